import type { Client } from '@grpc/grpc-js';
import { deadlineFor, unary, type UnaryMethod } from '../../shared/grpc/client';
import { bearerMetadata } from '../../shared/grpc/metadata';
import type { Context } from './context';
import { toTRPCError } from './grpc-error';

/** Per-call options of {@link callService}. */
export interface ServiceCallOptions {
  /** Absolute deadline; default GRPC_DEADLINE_MS from now. Pass one to share it between calls. */
  deadline?: number;
  /** Bearer token to forward as `authorization` metadata. */
  token?: string | undefined;
  /** The end client's address, for the auth service's login throttle. */
  clientAddress?: string | undefined;
}

/**
 * Calls a unary gRPC method for a procedure: with a deadline, the caller's token and (tracing
 * disabled) the caller's trace context. A failure is rethrown as the TRPCError the caller should see. The
 * CLIENT span's parent is the procedure's `trpc` span (`ctx.otel`, lean tracing).
 */
export async function callService<C extends Client, Req, Res>(
  ctx: Pick<Context, 'config' | 'trace' | 'otel'>,
  client: C,
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: ServiceCallOptions = {},
): Promise<Res> {
  try {
    return await unary(client, method, request, {
      deadline: options.deadline ?? deadlineFor(ctx.config.GRPC_DEADLINE_MS),
      metadata: bearerMetadata(options.token, options.clientAddress),
      trace: ctx.trace,
      context: ctx.otel,
    });
  } catch (err) {
    throw toTRPCError(err);
  }
}
