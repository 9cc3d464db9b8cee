import {
  AuthServiceClient,
  type RegisterRequest,
  type TokenPair,
  type UpdateCredentialsRequest,
  type ValidateTokenResponse,
} from '../../gen/auth/v1/auth';
import { createClient, deadlineFor, unary, type CallParent, type UnaryOptions } from '../../shared/grpc/client';
import { bearerMetadata } from '../../shared/grpc/metadata';

/**
 * The AuthService calls the user service makes. Every method takes the call being served as its
 * parent (a handler passes its context): its deadline, so a downstream call never outlives the
 * request that caused it, and its trace context when tracing is disabled. Errors are the
 * auth service's gRPC statuses (or UNAVAILABLE / DEADLINE_EXCEEDED from the channel), unchanged.
 */
export interface AuthApi {
  /** Verifies an access token; resolves with whom it belongs to. */
  validateToken(token: string, parent?: CallParent): Promise<ValidateTokenResponse>;
  /** Stores credentials for a just-created user and issues their first tokens. */
  register(request: RegisterRequest, parent?: CallParent): Promise<TokenPair | undefined>;
  /** Changes a user's login email. */
  updateCredentials(request: UpdateCredentialsRequest, parent?: CallParent): Promise<void>;
  /** Removes a user's credentials and every token they hold. */
  deleteCredentials(userId: string, parent?: CallParent): Promise<void>;
}

/** {@link AuthApi} over one gRPC channel to the auth service; create once per process. */
export class AuthClient implements AuthApi {
  private readonly client: AuthServiceClient;

  constructor(
    address: string,
    private readonly defaultDeadlineMs: number,
  ) {
    this.client = createClient(AuthServiceClient, address);
  }

  async validateToken(token: string, parent?: CallParent): Promise<ValidateTokenResponse> {
    return unary(this.client, this.client.validateToken, {}, {
      ...this.options(parent),
      metadata: bearerMetadata(token),
    });
  }

  async register(request: RegisterRequest, parent?: CallParent): Promise<TokenPair | undefined> {
    const response = await unary(this.client, this.client.register, request, this.options(parent));
    return response.tokens;
  }

  async updateCredentials(request: UpdateCredentialsRequest, parent?: CallParent): Promise<void> {
    await unary(this.client, this.client.updateCredentials, request, this.options(parent));
  }

  async deleteCredentials(userId: string, parent?: CallParent): Promise<void> {
    await unary(this.client, this.client.deleteCredentials, { userId }, this.options(parent));
  }

  /** Closes the channel; in-flight calls fail with CANCELLED. */
  close(): void {
    this.client.close();
  }

  private options(parent: CallParent | undefined): UnaryOptions {
    return { deadline: deadlineFor(this.defaultDeadlineMs, parent?.deadline), trace: parent?.trace };
  }
}
