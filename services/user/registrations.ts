import { status as GrpcStatus } from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { AppError } from '../../shared/errors/app-error';
import type { CallParent } from '../../shared/grpc/client';
import type { Logger } from '../../shared/logging/logger';
import type { AuthApi } from './auth-client';
import type { Role, UserRow } from './db/schema';
import type { UserRepository } from './user-repository';

/** How many unfinished registrations one sweep resolves at most. */
const SWEEP_BATCH = 100;

const hasStatus = (err: unknown, code: GrpcStatus) => (err as { code?: unknown } | null)?.code === code;

/**
 * Registration across two services, crash-safe. The profile is inserted `pending` first, then
 * the auth service stores the credentials, then the profile becomes `active`. So credentials
 * never exist without a profile row of the same id, and whatever stops a registration half-way
 * (an error, a timeout, SIGKILL of this process) leaves a row that says so:
 *  - a failure undoes the registration at once: credentials removed, then the row;
 *    if the credentials cannot be removed now (auth down), the row is marked `abandoned`;
 *  - a crash leaves the row `pending`; once older than `staleAfterMs` (longer than any
 *    registration can still be running) it is known to be dead.
 * An abandoned or dead registration is resolved (credentials, then row) by the next registration
 * of the same email, or by the sweep every `staleAfterMs`, whichever comes first.
 */
export class Registrations {
  constructor(
    private readonly users: UserRepository,
    private readonly auth: AuthApi,
    private readonly logger: Logger,
    /** Age after which a pending registration cannot be in progress any more. */
    private readonly staleAfterMs: number,
  ) {}

  /**
   * Inserts the pending profile. When the email is held by an unfinished registration that is
   * abandoned or dead, that one is resolved first; one still in progress is ALREADY_EXISTS.
   */
  async begin(user: { id: string; email: string; name: string; role: Role }, parent: CallParent): Promise<UserRow> {
    try {
      return await this.users.insertPending(user);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'ALREADY_EXISTS')) throw err;
      const holder = await this.users.findUnfinishedByEmail(user.email).catch(() => undefined);
      if (!holder || !this.isResolvable(holder, Date.now())) throw err;
      await this.resolve(holder, parent);
      return this.users.insertPending(user);
    }
  }

  /** Marks a registration complete: the auth service holds its credentials. */
  complete(id: string): Promise<void> {
    return this.users.activate(id);
  }

  /**
   * Undoes a registration that failed after its profile was inserted. Best effort and never
   * throws: what cannot be undone now is left for {@link sweep} (logged).
   */
  async undo(id: string, parent: CallParent): Promise<void> {
    try {
      await this.removeCredentials(id, parent);
    } catch (err) {
      this.logger.warn({ userId: id, err }, 'registration failed and its credentials could not be removed yet; the sweep will');
      await this.users.abandon(id).catch((e: unknown) => this.logger.error({ userId: id, err: e }, 'marking a failed registration abandoned failed'));
      return;
    }
    await this.users.deleteUnfinished(id).catch((e: unknown) => this.logger.error({ userId: id, err: e }, 'removing a failed registration failed; the sweep will'));
  }

  /** Resolves every abandoned or dead registration (up to a batch); returns how many it resolved. */
  async sweep(): Promise<number> {
    const before = new Date(Date.now() - this.staleAfterMs).toISOString();
    // Polling finds nothing almost always: only a resolution is worth a trace.
    const rows = await context.with(suppressTracing(context.active()), () => this.users.findUnfinished(before, SWEEP_BATCH));
    let resolved = 0;
    for (const row of rows) {
      try {
        await this.resolve(row, {});
        resolved++;
      } catch (err) {
        this.logger.warn({ userId: row.id, err }, 'resolving an unfinished registration failed; next sweep retries');
      }
    }
    if (resolved > 0) this.logger.info({ resolved }, 'unfinished registrations resolved');
    return resolved;
  }

  /** Sweeps now and every `staleAfterMs` until the returned stop() is called. */
  startSweeping(): () => void {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const run = async () => {
      await this.sweep().catch((err: unknown) => this.logger.warn({ err }, 'registration sweep failed'));
      if (stopped) return;
      timer = setTimeout(run, this.staleAfterMs);
      timer.unref();
    };
    void run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  private isResolvable(row: UserRow, now: number): boolean {
    return row.status === 'abandoned' || (row.status === 'pending' && now - Date.parse(row.created_at) >= this.staleAfterMs);
  }

  /** Credentials first, then the row: the invariant (no credentials without a row) holds throughout. */
  private async resolve(row: UserRow, parent: CallParent): Promise<void> {
    await this.removeCredentials(row.id, parent);
    await this.users.deleteUnfinished(row.id);
    this.logger.info({ userId: row.id, status: row.status }, 'unfinished registration resolved');
  }

  private async removeCredentials(id: string, parent: CallParent): Promise<void> {
    try {
      // A deadline of its own: the caller may have given up already (that can be why we are here).
      await this.auth.deleteCredentials(id, { ...parent, deadline: undefined });
    } catch (err) {
      if (!hasStatus(err, GrpcStatus.NOT_FOUND)) throw err;
    }
  }
}
