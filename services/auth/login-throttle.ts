import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../../shared/errors/app-error';
import type { AuthDatabase } from './db/schema';
import { LoginFailureRepository } from './login-failure-repository';

/** Limits of {@link LoginThrottle} (LOGIN_* config keys). */
export interface LoginThrottleLimits {
  /** Failures per account (email) within the window before logins to it are delayed. */
  maxFailuresPerAccount: number;
  /** Failures per client address within the window before its logins are delayed. */
  maxFailuresPerClient: number;
  /** How long failures are remembered (seconds). */
  windowSeconds: number;
  /** The longest delay (seconds): no one is locked out for longer after one failure. */
  maxLockoutSeconds: number;
}

/** The one message a throttled login gets, whichever key is over its limit. */
export const TOO_MANY_FAILED_LOGINS = 'too many failed logins; retry later';

const hashKey = (key: string) => crypto.createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * Throttles password guessing per account and per client address. Past a key's limit, each
 * further failure doubles its delay (1 s, 2 s, 4 s, ... up to maxLockoutSeconds); while delayed,
 * a login is refused with RESOURCE_EXHAUSTED and a retry-after before any hash is computed. Keys
 * are counted whether or not the email is registered, so the limiter reveals no accounts, and a
 * successful login clears its account's counter. Counters live in the auth database.
 */
export class LoginThrottle {
  private readonly repo: LoginFailureRepository;

  constructor(
    db: Kysely<AuthDatabase>,
    private readonly limits: LoginThrottleLimits,
  ) {
    this.repo = new LoginFailureRepository(db);
  }

  /** Refuses (RESOURCE_EXHAUSTED with retryAfterSeconds) when the account or the client is delayed. */
  async check(email: string, clientAddress: string | undefined, now: number): Promise<void> {
    const until = await this.repo.blockedUntil(this.keys(email, clientAddress).map((k) => k.hash));
    if (until > now) throw new AppError('RESOURCE_EXHAUSTED', TOO_MANY_FAILED_LOGINS, { retryAfterSeconds: until - now });
  }

  /** Counts a failed login against the account and the client, delaying each key past its limit. */
  async recordFailure(email: string, clientAddress: string | undefined, now: number): Promise<void> {
    for (const key of this.keys(email, clientAddress)) {
      const { failures } = await this.repo.addFailure(key.hash, now, this.limits.windowSeconds);
      const over = failures - key.limit;
      if (over >= 0) {
        const delay = Math.min(this.limits.maxLockoutSeconds, 2 ** Math.min(over, 30));
        await this.repo.blockUntil(key.hash, now + delay);
      }
    }
    // Opportunistic clean-up, as Logout does for revoked tokens.
    await this.repo.pruneStale(now, this.limits.windowSeconds);
  }

  /** A successful login: the account's failures are forgotten (the client's are not). */
  async recordSuccess(email: string): Promise<void> {
    await this.repo.clear(hashKey(`account:${email}`));
  }

  private keys(email: string, clientAddress: string | undefined): Array<{ hash: string; limit: number }> {
    const keys = [{ hash: hashKey(`account:${email}`), limit: this.limits.maxFailuresPerAccount }];
    if (clientAddress) keys.push({ hash: hashKey(`client:${clientAddress}`), limit: this.limits.maxFailuresPerClient });
    return keys;
  }
}
