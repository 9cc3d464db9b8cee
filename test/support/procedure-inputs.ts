import crypto from 'node:crypto';
import { restRoutes } from '../../gateway/rest/routes';
import type { ProcedurePath } from '../../gateway/trpc/app-router';
import { GOOD_PASSWORD, uniqueEmail, type Account } from './accounts';

// Inputs for calling every procedure of the router as a signed-in user, for tests that go through
// all of them (response headers, tampered tokens): procedures added later get one derived from
// their REST row.

/** A procedure's input (undefined: none). */
export type Input = Record<string, unknown> | undefined;

/**
 * Inputs that succeed for `account` (a fresh one per call, since logout and delete end it). A
 * procedure without one here gets {@link derivedInput}.
 */
const INPUTS: Partial<Record<ProcedurePath, (account: Account) => Input>> = {
  'auth.register': () => ({ email: uniqueEmail('headers'), password: GOOD_PASSWORD, name: 'Header Check' }),
  'auth.login': (account) => ({ email: account.email, password: account.password }),
  'auth.refresh': (account) => ({ refreshToken: account.refreshToken }),
  'auth.logout': (account) => ({ refreshToken: account.refreshToken }),
  'auth.me': () => undefined,
  'users.list': () => ({ limit: 5 }),
  'users.get': (account) => ({ id: account.id }),
  'users.delete': (account) => ({ id: account.id }),
  'users.update': (account) => ({ id: account.id, name: 'Renamed' }),
};

/**
 * The input of a procedure with no entry in {@link INPUTS} (a service added since): its REST
 * row's example and a made-up UUID for each path parameter, so a read of one record may answer
 * 404. Each service's own tests check its answers; these inputs only have to get past validation.
 */
function derivedInput(procedure: ProcedurePath): Input {
  const route = restRoutes.find((r) => r.procedure === procedure);
  if (!route) throw new Error(`${procedure} has no REST row`);
  const params = Object.fromEntries((route.input.params ?? []).map((name) => [name, crypto.randomUUID()]));
  return route.example || route.input.params?.length ? { ...route.example, ...params } : undefined;
}

/** An input for `procedure` as `account`, and the statuses a signed-in call may answer with besides its success. */
export function inputFor(procedure: ProcedurePath, account: Account): { input: Input; alsoFine: number[] } {
  const known = INPUTS[procedure];
  return known ? { input: known(account), alsoFine: [] } : { input: derivedInput(procedure), alsoFine: [404] };
}

