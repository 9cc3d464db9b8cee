import type { AnyProcedure, AnyRouter } from '@trpc/server';
import type { z } from 'zod';
import { createCallerFactory, router } from './init';
import { authRouter, authSchemas } from './routers/auth';
import { usersRouter, usersSchemas } from './routers/users';

/** The gateway's tRPC router: `auth.*` and `users.*`. */
export const appRouter = router({ auth: authRouter, users: usersRouter });

/** The router type `@trpc/client` needs: `createTRPCClient<AppRouter>(...)`. */
export type AppRouter = typeof appRouter;

/** Creates a server-side caller from a context; the REST routes call procedures through it. */
export const createCaller = createCallerFactory(appRouter);

type PathsOf<R> = {
  [K in keyof R & string]: R[K] extends AnyProcedure ? K : R[K] extends Record<string, unknown> ? `${K}.${PathsOf<R[K]>}` : never;
}[keyof R & string];

/** A procedure's dotted path, e.g. `users.get`. */
export type ProcedurePath = PathsOf<AppRouter['_def']['record']>;

/** The schemas of one procedure, for the REST layer and the OpenAPI document. */
export interface ProcedureSchemas {
  /** The procedure's input parser (the same object the procedure validates with). */
  input?: z.ZodType;
  /** What the procedure returns; absent when it returns nothing. */
  output?: z.ZodType;
}

/**
 * Input and output schemas of every procedure, each router's kept beside its procedures; the
 * compiler insists on exactly one entry per path.
 */
export const procedureSchemas: Record<ProcedurePath, ProcedureSchemas> = {
  ...authSchemas,
  ...usersSchemas,
};

/** The flat procedure table of a router (`path -> procedure`), for consistency checks. */
export function proceduresOf(r: AnyRouter): Record<string, AnyProcedure> {
  return r._def.procedures as Record<string, AnyProcedure>;
}
