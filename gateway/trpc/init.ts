import { initTRPC, TRPCError } from '@trpc/server';
import { tracing } from '../../shared/telemetry/active-config';
import type { Tracing } from '../../shared/telemetry/tracing';
import type { Context } from './context';
import { publicMessage } from './error-message';

const t = initTRPC.context<Context>().create({
  // Stack traces never leave the process, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message: publicMessage(error), data };
  },
});

/** Builds routers. */
export const router = t.router;

/** Builds `createCaller` for a router (the REST routes call procedures through it). */
export const createCallerFactory = t.createCallerFactory;

/**
 * The base procedure, traced by `traced()` (the process's tracing; tests pass their own): one
 * INTERNAL span `trpc <path>` per call, the parent of the procedure's gRPC calls and active while
 * it runs. Inputs are never recorded.
 */
export function tracedProcedure(traced: () => Tracing) {
  return t.procedure.use(({ ctx, path, type, next }) =>
    traced().inSpan(`trpc ${path}`, { 'rpc.system': 'trpc', 'rpc.method': path, 'trpc.type': type }, ctx.trace, async (span) => {
      const result = await next({ ctx: { trace: span } });
      // A v11 middleware's next() reports a failed procedure in its result instead of throwing.
      if (!result.ok) {
        span.setAttribute('trpc.error_code', result.error.code);
        span.fail(result.error);
      }
      return result;
    }),
  );
}

/** Every gateway procedure starts here. */
export const procedure = tracedProcedure(tracing);

/**
 * A procedure that needs a bearer token. Without an Authorization header the gateway answers
 * UNAUTHORIZED itself; any header that is present is left for the auth service to judge, so a
 * bad token shows up in the trace where it was rejected.
 */
export const protectedProcedure = procedure.use(({ ctx, next }) => {
  if (!ctx.auth.present) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing bearer token' });
  return next({ ctx: { token: ctx.auth.token } });
});
