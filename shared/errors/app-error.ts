import { status as GrpcStatus } from '@grpc/grpc-js';

/** The gRPC status codes the services raise on purpose (google.rpc.Code). */
export type AppErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL';

/**
 * An error whose message is safe to show a caller. Anything else that escapes a handler becomes
 * INTERNAL with a generic message, so stack traces and driver messages never leave the process.
 */
export class AppError extends Error {
  /** For RESOURCE_EXHAUSTED / UNAVAILABLE: when to try again (seconds), sent as `retry-after` metadata. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: AppErrorCode,
    message: string,
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The numeric gRPC status of this error. */
  get grpcStatus(): GrpcStatus {
    return GrpcStatus[this.code];
  }
}

/** INVALID_ARGUMENT naming the field, e.g. `invalid('email', 'must be an email address')`. */
export const invalid = (field: string, problem: string) => new AppError('INVALID_ARGUMENT', `${field}: ${problem}`);
