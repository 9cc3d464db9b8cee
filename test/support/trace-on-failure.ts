import { wantsColor } from '../../scripts/color';
import { renderWaterfall } from '../../scripts/trace/waterfall';
import type { TestJaeger } from './jaeger';
import type { Stack } from './stack';

// The trace ids the running test has seen (traceIdOf notes each), so a failure can show them.
let noted: string[] = [];

/** Remembers a trace id the current test got back (called by traceIdOf). */
export function noteTrace(traceId: string): void {
  if (!noted.includes(traceId)) noted.push(traceId);
}

/** The waterfall of each trace (as `npm run trace` prints it), or why there is none. */
export async function waterfallsOf(jaeger: TestJaeger, traceIds: readonly string[], color = false): Promise<string> {
  const parts: string[] = [];
  for (const id of traceIds) {
    const spans = await jaeger.getTrace(id, undefined, 2_000).catch(() => []);
    parts.push(spans.length ? renderWaterfall(spans, { color }).join('\n') : `trace ${id}: no spans in Jaeger`);
  }
  return parts.join('\n\n');
}

// Enough to see what went wrong; a test that made hundreds of requests shows its last ones.
const SHOWN = 3;

/**
 * Mocha hooks for the current describe: when a test fails, print the services' last log lines and
 * the waterfall of the last traces it got (its responses' traceresponse ids), so a CI log shows
 * what the trace looked like.
 */
export function reportOnFailure(of: { stack: () => Stack | undefined; jaeger: () => TestJaeger | undefined }): void {
  beforeEach(() => {
    noted = [];
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    const stack = of.stack();
    if (stack) process.stderr.write(stack.dumpLogs(30));
    const jaeger = of.jaeger();
    if (!jaeger || noted.length === 0) return;
    this.timeout(30_000);
    const ids = noted.slice(-SHOWN);
    process.stderr.write(`\ntraces of "${this.currentTest.fullTitle()}":\n${await waterfallsOf(jaeger, ids, wantsColor(process.stderr))}\n`);
  });
}
