import { isPublicMethod } from '../../shared/grpc/method-auth';

/**
 * Whether a call to the RPC at `path` verifies the bearer token it carries: the services check the
 * token of every RPC their contract does not mark public (shared/grpc/handler.ts) and of no other.
 * A method without a path is treated as one that does not.
 */
export function verifiesToken(path: string | undefined): boolean {
  return path !== undefined && !isPublicMethod(path);
}

/**
 * The bearer token of one call of a protected procedure, and whether a service has verified it
 * yet. Until one has, the gateway may not act on the caller's behalf: every RPC that would not
 * verify the token itself waits for {@link verify}, which asks the auth service (ValidateToken).
 * A procedure whose first RPC is a protected one with this token therefore pays nothing extra.
 */
export class BearerCheck {
  private verified = false;
  private verification: Promise<void> | undefined;

  /** `value`: the token the request sent (undefined when its Authorization header holds none usable). */
  constructor(readonly value: string | undefined) {}

  /** Whether a service has accepted the token in this call. */
  get done(): boolean {
    return this.verified;
  }

  /** Records that a service accepted the token (a protected RPC carrying it succeeded). */
  accept(): void {
    this.verified = true;
  }

  /**
   * Verifies the token once with `validate` (an RPC that fails with UNAUTHENTICATED for a bad
   * token); concurrent callers share the one call.
   */
  verify(validate: () => Promise<unknown>): Promise<void> {
    if (this.verified) return Promise.resolve();
    this.verification ??= validate().then(() => this.accept());
    return this.verification;
  }
}
