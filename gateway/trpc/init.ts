import { context, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { initTRPC, TRPCError } from '@trpc/server';
import { recordError, tracer } from '../../shared/telemetry/spans';
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
 * The base procedure, traced with spans from `spanTracer`: one INTERNAL span `trpc <path>` per
 * call, active while the procedure runs so its gRPC client spans are children. Inputs are never
 * recorded. Tests pass their own tracer; the app uses the shared one.
 */
export function tracedProcedure(spanTracer: Tracer) {
  return t.procedure.use(async ({ ctx, path, type, next }) => {
    // Lean tracing hands the HTTP server span over explicitly (a body parser's callbacks run
    // outside the request's async context); otherwise the active context holds it.
    const parent = ctx.otel ?? context.active();
    const span = spanTracer.startSpan(
      `trpc ${path}`,
      { kind: SpanKind.INTERNAL, attributes: { 'rpc.system': 'trpc', 'rpc.method': path, 'trpc.type': type } },
      parent,
    );
    try {
      const active = trace.setSpan(parent, span);
      // Lean tracing hands this span on to the procedure's calls; otherwise the context is untouched.
      const result = await context.with(active, () => (ctx.otel === undefined ? next() : next({ ctx: { otel: active } })));
      // A v11 middleware's next() reports a failed procedure in its result instead of throwing.
      if (!result.ok) {
        span.setAttribute('trpc.error_code', result.error.code);
        recordError(span, result.error);
      }
      return result;
    } catch (err) {
      recordError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Every gateway procedure starts here. */
export const procedure = tracedProcedure(tracer);

/**
 * A procedure that needs a bearer token. Without an Authorization header the gateway answers
 * UNAUTHORIZED itself; any header that is present is left for the auth service to judge, so a
 * bad token shows up in the trace where it was rejected.
 */
export const protectedProcedure = procedure.use(({ ctx, next }) => {
  if (!ctx.auth.present) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'missing bearer token' });
  return next({ ctx: { token: ctx.auth.token } });
});
