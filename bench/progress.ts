/** Formats seconds as m:ss (or h:mm:ss). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * Progress on stderr: one line per step, and on a terminal a countdown while a load runs. The ETA
 * is the remaining steps times the average wall time of a step so far (the planned time until
 * one has finished).
 */
export class Progress {
  private readonly started = Date.now();
  private doneSteps = 0;
  private doneSeconds = 0;
  private ticker: NodeJS.Timeout | undefined;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly totalSteps: number,
    private readonly plannedSecondsPerStep: number,
  ) {}

  /** Prints a free-form line. */
  note(text: string): void {
    this.clearTicker();
    process.stderr.write(`${text}\n`);
  }

  /** Announces a step; returns a function to call when it is done. */
  step(label: string, loadSeconds: number): () => void {
    const index = this.doneSteps + 1;
    const stepStart = Date.now();
    const elapsed = (Date.now() - this.started) / 1000;
    const perStep = this.doneSteps ? this.doneSeconds / this.doneSteps : this.plannedSecondsPerStep;
    const eta = perStep * (this.totalSteps - this.doneSteps);
    const width = String(this.totalSteps).length;
    this.note(`[${String(index).padStart(width)}/${this.totalSteps}] ${label}  elapsed ${clock(elapsed)}  ETA ${clock(eta)}`);
    if (this.tty) {
      this.ticker = setInterval(() => {
        const s = (Date.now() - stepStart) / 1000;
        process.stderr.write(`\r    ${clock(s)} of ~${clock(loadSeconds)}   `);
      }, 1000);
      this.ticker.unref();
    }
    return () => {
      this.clearTicker();
      this.doneSteps++;
      this.doneSeconds += (Date.now() - stepStart) / 1000;
    };
  }

  private clearTicker(): void {
    if (!this.ticker) return;
    clearInterval(this.ticker);
    this.ticker = undefined;
    process.stderr.write('\r\u001b[K');
  }
}
