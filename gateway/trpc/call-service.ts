import type { Client } from '@grpc/grpc-js';
import { deadlineFor, unary, type UnaryMethod } from '../../shared/grpc/client';
import { bearerMetadata } from '../../shared/grpc/metadata';
import { verifiesToken, type BearerCheck } from './bearer-check';
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

/** What {@link callService} reads of a procedure's context. */
export type CallContext = Pick<Context, 'config' | 'trace' | 'clients' | 'bearer'>;

/**
 * Calls a unary gRPC method for a procedure: with a deadline and the caller's token, as a child of
 * the procedure's `trpc` span (`ctx.trace`). A failure is rethrown as the TRPCError the caller
 * should see.
 *
 * In a protected procedure (`ctx.bearer`), no call goes out on the caller's behalf before a service
 * has verified their token: a call its service verifies itself (an RPC its contract does not mark
 * public) just goes, and vouches for the token when it carried it and succeeded; any other first
 * has the auth service verify the token ({@link verifyBearer}), so a procedure over a public RPC
 * never answers a tampered token.
 */
export async function callService<C extends Client, Req, Res>(
  ctx: CallContext,
  client: C,
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: ServiceCallOptions = {},
): Promise<Res> {
  const { bearer } = ctx;
  // A protected RPC is safe to call unverified: its service judges whatever token the call carries.
  const checked = verifiesToken(method.path);
  if (bearer && !bearer.done && !checked) await verifyBearer(ctx, bearer, options.deadline);
  try {
    const response = await unary(client, method, request, {
      deadline: options.deadline ?? deadlineFor(ctx.config.GRPC_DEADLINE_MS),
      metadata: bearerMetadata(options.token, options.clientAddress),
      trace: ctx.trace,
    });
    if (bearer && checked && options.token !== undefined && options.token === bearer.value) bearer.accept();
    return response;
  } catch (err) {
    throw toTRPCError(err);
  }
}

/**
 * Has the auth service verify a protected procedure's token (ValidateToken; once per procedure
 * call): a tampered, expired or revoked token fails it as UNAUTHORIZED.
 */
export function verifyBearer(ctx: CallContext, bearer: BearerCheck, deadline?: number): Promise<void> {
  const { auth } = ctx.clients;
  const options = { token: bearer.value, ...(deadline === undefined ? {} : { deadline }) };
  // Without `bearer`: this call is the verification, it must not wait for itself.
  return bearer.verify(() => callService({ ...ctx, bearer: undefined }, auth, auth.validateToken, {}, options));
}
