import type { RegisterRequest, TokenPair, UpdateCredentialsRequest } from '../../gen/auth/v1/auth';
import { AuthServiceChannel, type TokenValidator } from '../../shared/grpc/auth-service';
import { unary, type CallParent } from '../../shared/grpc/client';

/**
 * The AuthService calls the user service makes. Every method takes the call being served as its
 * parent (a handler passes its context): see {@link AuthServiceChannel}.
 */
export interface AuthApi extends TokenValidator {
  /** Stores credentials for a just-created user and issues their first tokens. */
  register(request: RegisterRequest, parent?: CallParent): Promise<TokenPair | undefined>;
  /** Changes a user's login email. */
  updateCredentials(request: UpdateCredentialsRequest, parent?: CallParent): Promise<void>;
  /** Removes a user's credentials and every token they hold. */
  deleteCredentials(userId: string, parent?: CallParent): Promise<void>;
}

/** {@link AuthApi} over one gRPC channel to the auth service; create once per process. */
export class AuthClient extends AuthServiceChannel implements AuthApi {
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
}
