import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../../shared/errors/app-error';
import type { UserDatabase } from './db/schema';
import { RegistrationAttemptRepository } from './registration-attempt-repository';

/** Limits of {@link RegistrationThrottle} (REGISTRATION_* config keys). */
export interface RegistrationThrottleLimits {
  /** Registration attempts per client address within a window; more are refused. */
  maxPerClient: number;
  /** The window's length (seconds), counted from a client's first attempt after the last one ended. */
  windowSeconds: number;
}

/** The one message a throttled registration gets. */
export const TOO_MANY_REGISTRATIONS = 'too many registrations from this client; retry later';

const hashKey = (clientAddress: string) => crypto.createHash('sha256').update(`client:${clientAddress}`, 'utf8').digest('hex');

/**
 * Limits registration attempts per client address (as the gateway saw it, TRUST_PROXY deciding):
 * each attempt with valid input counts, whatever its outcome (a new account, 409 for a registered
 * email, a failure downstream), so a client can probe at most `maxPerClient` emails per window.
 * Past the limit an attempt is refused with RESOURCE_EXHAUSTED and the seconds until the window
 * ends, before anything is written or any password hashed (CreateUser asks first). Counters live
 * in the user database, keyed by a hash of the address: they hold across restarts and instances.
 * A call without a client address (a service calling directly, not through the gateway) is not
 * counted: the gateway is the only way in from outside.
 */
export class RegistrationThrottle {
  private readonly repo: RegistrationAttemptRepository;

  constructor(
    db: Kysely<UserDatabase>,
    private readonly limits: RegistrationThrottleLimits,
  ) {
    this.repo = new RegistrationAttemptRepository(db);
  }

  /** Counts an attempt by `clientAddress`; refuses (RESOURCE_EXHAUSTED with retryAfterSeconds) past the limit. */
  async admit(clientAddress: string | undefined, now: number): Promise<void> {
    if (!clientAddress) return;
    const { windowSeconds, maxPerClient } = this.limits;
    const { attempts, windowStart } = await this.repo.addAttempt(hashKey(clientAddress), now, windowSeconds, maxPerClient);
    if (attempts > maxPerClient) {
      throw new AppError('RESOURCE_EXHAUSTED', TOO_MANY_REGISTRATIONS, { retryAfterSeconds: Math.max(1, windowStart + windowSeconds - now) });
    }
    // Opportunistic clean-up, as the login throttle does.
    await this.repo.pruneStale(now, windowSeconds);
  }
}
