import { AppError } from '../../shared/errors/app-error';

interface Waiter {
  admit(): void;
  refuse(err: AppError): void;
  deadline?: number;
  timer?: NodeJS.Timeout;
}

const tooLate = () => new AppError('DEADLINE_EXCEEDED', 'deadline exceeded while waiting to check the password');

/**
 * Admission control for password hashing. A hash is deliberately costly in CPU and memory (a
 * legacy scrypt hash, checked until its owner's next login upgrades it, far more so), so a burst
 * of logins must not all start at once: at most `slots` run together (about one per
 * core), at most `maxWaiting` queue behind them, and a caller whose deadline passes while it
 * waits leaves the queue with DEADLINE_EXCEEDED instead of being hashed for nobody. A caller
 * whose deadline leaves less time than the expected wait plus one job (from a running average of
 * job times) is refused at once with RESOURCE_EXHAUSTED, and a job that could not finish in time
 * is never started. Without this, a queue longer than the deadline allows makes every login fail:
 * each waits its turn, then is hashed after its caller has given up (bench/README.md has the run).
 */
export class HashingSlots {
  private busy = 0;
  private readonly waiting: Waiter[] = [];
  /** Running average of how long one job takes (ms); 0 until the first one finished. */
  private averageMs = 0;

  constructor(
    private readonly slots: number,
    private readonly maxWaiting: number,
  ) {}

  /** Runs `work` once a slot is free, or fails fast (RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED). */
  async run<T>(deadline: number | undefined, work: () => Promise<T>): Promise<T> {
    await this.acquire(deadline);
    const started = Date.now();
    try {
      return await work();
    } finally {
      const took = Date.now() - started;
      this.averageMs = this.averageMs === 0 ? took : this.averageMs * 0.8 + took * 0.2;
      this.release();
    }
  }

  private acquire(deadline: number | undefined): Promise<void> {
    if (deadline !== undefined && this.averageMs > 0) {
      const rounds = Math.floor((this.waiting.length + this.busy) / this.slots) + 1;
      if (deadline - Date.now() < rounds * this.averageMs) {
        return Promise.reject(new AppError('RESOURCE_EXHAUSTED', 'too many password checks in progress; retry later', { retryAfterSeconds: 1 }));
      }
    }
    if (this.busy < this.slots) {
      this.busy++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(new AppError('RESOURCE_EXHAUSTED', 'too many password checks in progress; retry later', { retryAfterSeconds: 1 }));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { admit: resolve, refuse: reject, deadline };
      if (deadline !== undefined) {
        waiter.timer = setTimeout(() => {
          const i = this.waiting.indexOf(waiter);
          if (i !== -1) this.waiting.splice(i, 1);
          reject(tooLate());
        }, Math.max(0, deadline - Date.now()));
      }
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    // The slot passes straight to the next caller that can still finish in time.
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      clearTimeout(next.timer);
      if (next.deadline !== undefined && next.deadline - Date.now() < this.averageMs) {
        next.refuse(tooLate());
        continue;
      }
      next.admit();
      return;
    }
    this.busy--;
  }
}
