import { AuthServiceClient, type ValidateTokenResponse } from '../../gen/auth/v1/auth';
import { AppError } from '../errors/app-error';
import { createClient, deadlineFor, unary, type CallParent, type UnaryOptions } from './client';
import { bearerMetadata, bearerToken } from './metadata';
import { serviceIdentity } from './service-identity';
import type { ServiceTls } from './tls';

/** What a service needs of the auth service to authenticate its callers. */
export interface TokenValidator {
  /** Verifies an access token; resolves with whom it belongs to. */
  validateToken(token: string, parent?: CallParent): Promise<ValidateTokenResponse>;
}

/**
 * One gRPC channel to auth.v1.AuthService, over mutual TLS as this process's service (`tls`), for the services that authenticate their callers
 * through it (a service that needs more of the auth service extends it). Every call takes the
 * call being served as its parent: its deadline, so a downstream call never outlives the request
 * that caused it, and its place in the trace. Errors are the auth service's gRPC statuses (or
 * UNAVAILABLE / DEADLINE_EXCEEDED from the channel), unchanged. Create once per process.
 */
export class AuthServiceChannel implements TokenValidator {
  /** The generated client, for subclasses' calls. */
  protected readonly client: AuthServiceClient;

  constructor(
    address: string,
    private readonly defaultDeadlineMs: number,
    tls: ServiceTls,
  ) {
    this.client = createClient(AuthServiceClient, address, tls, { server: serviceIdentity('auth') });
  }

  async validateToken(token: string, parent?: CallParent): Promise<ValidateTokenResponse> {
    return unary(this.client, this.client.validateToken, {}, { ...this.options(parent), metadata: bearerMetadata(token) });
  }

  /** Closes the channel; in-flight calls fail with CANCELLED. */
  close(): void {
    this.client.close();
  }

  /** Call options of a call made on behalf of `parent`: its deadline (or the default) and its trace. */
  protected options(parent: CallParent | undefined): UnaryOptions {
    return { deadline: deadlineFor(this.defaultDeadlineMs, parent?.deadline), trace: parent?.trace };
  }
}

/**
 * The user id behind the bearer token in a call's `authorization` metadata, as the auth service
 * judges it (its UNAUTHENTICATED passes through): what an `authenticate` option of implement()
 * starts from.
 */
export async function bearerUserId(ctx: CallParent & { metadata: Parameters<typeof bearerToken>[0] }, validator: TokenValidator): Promise<string> {
  const token = bearerToken(ctx.metadata);
  if (!token) throw new AppError('UNAUTHENTICATED', 'missing bearer token');
  const { userId } = await validator.validateToken(token, ctx);
  return userId;
}
