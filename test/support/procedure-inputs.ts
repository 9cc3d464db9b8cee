import crypto from 'node:crypto';
import { restRoutes } from '../../gateway/rest/routes';
import { procedureSchemas, type ProcedurePath } from '../../gateway/trpc/app-router';
import type { Account } from './accounts';
import { validInputOf } from './valid-values';

// Inputs for calling every procedure of the router as a signed-in user, for tests that go through
// all of them (response headers, tampered tokens): a procedure gets one derived from its input
// schema and its REST row unless it must act on the caller's own account.

/** A procedure's input (undefined: none). */
export type Input = Record<string, unknown> | undefined;

/**
 * Inputs that succeed for `account` (a fresh one per call, since logout and delete end it): the
 * ones that must be the account's own. A procedure without one here gets {@link derivedInput}.
 */
const INPUTS: Partial<Record<ProcedurePath, (account: Account) => Input>> = {
  'auth.login': (account) => ({ email: account.email, password: account.password }),
  'auth.refresh': (account) => ({ refreshToken: account.refreshToken }),
  'auth.logout': (account) => ({ refreshToken: account.refreshToken }),
  'users.get': (account) => ({ id: account.id }),
  'users.delete': (account) => ({ id: account.id }),
  'users.update': (account) => ({ id: account.id, name: 'Renamed' }),
};

/**
 * The input of a procedure with no entry in {@link INPUTS}: a valid value for each field it cannot
 * do without (test/support/valid-values.ts; fresh, so a registration is never a conflict) over
 * its REST row's example, and a made-up UUID for each path parameter, so a call on one record may
 * answer 404, or 403 when it is someone else's to change. Each procedure's own tests check its
 * answers; these inputs only have to get past validation.
 */
function derivedInput(procedure: ProcedurePath): Input {
  const route = restRoutes.find((r) => r.procedure === procedure);
  if (!route) throw new Error(`${procedure} has no REST row`);
  const schema = procedureSchemas[procedure].input;
  if (!schema) return undefined;
  const valid = validInputOf(schema, 'required');
  if (!valid) throw new Error(`${procedure}: its input is not an object; give it an entry in INPUTS`);
  const params = Object.fromEntries((route.input.params ?? []).map((name) => [name, crypto.randomUUID()]));
  return { ...route.example, ...valid, ...params };
}

/** An input for `procedure` as `account`, and the statuses a signed-in call may answer with besides its success. */
export function inputFor(procedure: ProcedurePath, account: Account): { input: Input; alsoFine: number[] } {
  const known = INPUTS[procedure];
  return known ? { input: known(account), alsoFine: [] } : { input: derivedInput(procedure), alsoFine: [403, 404] };
}
