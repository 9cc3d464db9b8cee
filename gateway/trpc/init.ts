import { initTRPC, TRPCError, type AnyProcedure } from '@trpc/server';
import { tracing } from '../../shared/telemetry/active-config';
import type { Tracing } from '../../shared/telemetry/tracing';
import { BearerCheck } from './bearer-check';
import { verifyBearer } from './call-service';
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
 * The middleware of {@link protectedProcedure}. Without an Authorization header the gateway answers
 * UNAUTHORIZED itself; a header that is present is judged by a service, so a bad token shows up in
 * the trace where it was rejected. Which service: the first protected RPC the procedure makes with
 * the token, or, before any other call and at the latest before the procedure's answer leaves, the
 * auth service's ValidateToken (call-service.ts). A procedure needing a user therefore never
 * answers a tampered token, whether the RPCs it calls check tokens or not (docs/security.md).
 */
const requireBearer = t.middleware(async ({ ctx, next }) => {
  if (!ctx.auth.present) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing bearer token' });
  const bearer = new BearerCheck(ctx.auth.token);
  const result = await next({ ctx: { token: ctx.auth.token, bearer } });
  // A procedure that made no call with the token: nothing was done on the caller's behalf, but its
  // answer may still be about them.
  if (result.ok && !bearer.done) await verifyBearer({ ...ctx, bearer }, bearer);
  return result;
});

/** A procedure that needs a bearer token, verified by a service before it answers ({@link requireBearer}). */
export const protectedProcedure = procedure.use(requireBearer);

/** Whether a procedure of a router was built on {@link protectedProcedure}. */
export function isProtectedProcedure(procedure: AnyProcedure): boolean {
  const [middleware] = requireBearer._middlewares;
  return (procedure._def as unknown as { middlewares: unknown[] }).middlewares.includes(middleware);
}
