import { bearerMetadata } from '../../shared/grpc/metadata';
import { unary, type UnaryMethod } from '../../shared/grpc/client';
import { toTRPCError } from './grpc-error';

/** Per-call options of {@link callService}. */
export interface ServiceCallOptions {
  /** Absolute deadline shared by every call made for one procedure call. */
  deadline: number;
  /** Bearer token to forward as `authorization` metadata. */
  token?: string | undefined;
}

/** Calls a unary gRPC method; a failure is rethrown as the TRPCError the caller should see. */
export async function callService<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: ServiceCallOptions,
): Promise<Res> {
  try {
    return await unary(method, request, { deadline: options.deadline, metadata: bearerMetadata(options.token) });
  } catch (err) {
    throw toTRPCError(err);
  }
}
