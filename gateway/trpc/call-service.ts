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
  /** The end client's address, for the login and registration throttles. */
  clientAddress?: string | undefined;
}

/**
 * Calls a unary gRPC method for a procedure: with a deadline and the caller's token, as a child of
 * the procedure's `trpc` span (`ctx.trace`). A failure is rethrown as the TRPCError the caller
 * should see.
 */
export async function callService<C extends Client, Req, Res>(
  ctx: Pick<Context, 'config' | 'trace'>,
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
    });
  } catch (err) {
    throw toTRPCError(err);
  }
}
