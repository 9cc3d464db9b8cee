import {
  AuthServiceClient,
  type RegisterRequest,
  type TokenPair,
  type UpdateCredentialsRequest,
  type ValidateTokenResponse,
} from '../../gen/auth/v1/auth';
import { createClient, deadlineFor, unary } from '../../shared/grpc/client';
import { bearerMetadata } from '../../shared/grpc/metadata';

/**
 * The AuthService calls the user service makes. Every method takes the deadline of the call being
 * served (if any), so a downstream call never outlives the request that caused it. Errors are the
 * auth service's gRPC statuses (or UNAVAILABLE / DEADLINE_EXCEEDED from the channel), unchanged.
 */
export interface AuthApi {
  /** Verifies an access token; resolves with whom it belongs to. */
  validateToken(token: string, inheritedDeadline?: number): Promise<ValidateTokenResponse>;
  /** Stores credentials for a just-created user and issues their first tokens. */
  register(request: RegisterRequest, inheritedDeadline?: number): Promise<TokenPair | undefined>;
  /** Changes a user's login email. */
  updateCredentials(request: UpdateCredentialsRequest, inheritedDeadline?: number): Promise<void>;
  /** Removes a user's credentials and every token they hold. */
  deleteCredentials(userId: string, inheritedDeadline?: number): Promise<void>;
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

  async validateToken(token: string, inheritedDeadline?: number): Promise<ValidateTokenResponse> {
    return unary(this.client.validateToken.bind(this.client), {}, {
      metadata: bearerMetadata(token),
      deadline: this.deadline(inheritedDeadline),
    });
  }

  async register(request: RegisterRequest, inheritedDeadline?: number): Promise<TokenPair | undefined> {
    const response = await unary(this.client.register.bind(this.client), request, {
      deadline: this.deadline(inheritedDeadline),
    });
    return response.tokens;
  }

  async updateCredentials(request: UpdateCredentialsRequest, inheritedDeadline?: number): Promise<void> {
    await unary(this.client.updateCredentials.bind(this.client), request, {
      deadline: this.deadline(inheritedDeadline),
    });
  }

  async deleteCredentials(userId: string, inheritedDeadline?: number): Promise<void> {
    await unary(this.client.deleteCredentials.bind(this.client), { userId }, {
      deadline: this.deadline(inheritedDeadline),
    });
  }

  /** Closes the channel; in-flight calls fail with CANCELLED. */
  close(): void {
    this.client.close();
  }

  private deadline(inherited: number | undefined): number {
    return deadlineFor(this.defaultDeadlineMs, inherited);
  }
}
