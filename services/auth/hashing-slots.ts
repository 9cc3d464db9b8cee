import { AppError } from '../../shared/errors/app-error';

interface Waiter {
  admit(): void;
  timer?: NodeJS.Timeout;
}

/**
 * Admission control for password hashing. One scrypt at OWASP cost takes ~100 ms of a core and
 * 128 MiB, so a burst of logins must not all start at once: at most `slots` run together (about
 * one per core), at most `maxWaiting` queue behind them, and a caller whose deadline passes while
 * it waits leaves the queue with DEADLINE_EXCEEDED instead of being hashed for nobody. Without
 * this, a queue longer than the deadline allows makes every login fail (measured: 50 concurrent
 * logins, 0 of 750 succeeded) while the process holds 4 x 128 MiB.
 */
export class HashingSlots {
  private busy = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly slots: number,
    private readonly maxWaiting: number,
  ) {}

  /** Runs `work` once a slot is free, or fails fast (RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED). */
  async run<T>(deadline: number | undefined, work: () => Promise<T>): Promise<T> {
    await this.acquire(deadline);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(deadline: number | undefined): Promise<void> {
    if (this.busy < this.slots) {
      this.busy++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(new AppError('RESOURCE_EXHAUSTED', 'too many password checks in progress; retry later'));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { admit: resolve };
      if (deadline !== undefined) {
        waiter.timer = setTimeout(() => {
          const i = this.waiting.indexOf(waiter);
          if (i !== -1) this.waiting.splice(i, 1);
          reject(new AppError('DEADLINE_EXCEEDED', 'deadline exceeded while waiting to check the password'));
        }, Math.max(0, deadline - Date.now()));
      }
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (!next) {
      this.busy--;
      return;
    }
    // The slot passes straight to the next caller still waiting.
    clearTimeout(next.timer);
    next.admit();
  }
}
