import { performance } from 'node:perf_hooks';
import type { HrTime } from '@opentelemetry/api';

// The times of lean spans. A local root span (no parent span in this process) reads the wall
// clock once, as its anchor; it and every span under it in this process take their times from
// that anchor plus the monotonic clock. Children then lie within their parents to the
// nanosecond, whereas a wall-clock read per span (`Date.now()`, whole milliseconds, as the SDK
// does) let a child start up to a millisecond before its parent or end after it.
//
// The anchor is the wall clock at monotonic 0, with sub-millisecond precision: the process's
// time origin to begin with, moved at each local root by the least that puts it back within
// the whole millisecond `Date.now()` reports. A time origin left alone drifts from the wall
// clock as NTP corrects the clock, and the spans of processes started at different times would
// no longer line up; a clock stepped by an hour is followed at the next local root.

/**
 * The wall-clock time at monotonic 0 as one local root saw it, split into whole seconds and the
 * milliseconds past them, so that adding a monotonic reading keeps nanoseconds. Shared by
 * reference by every span under that root.
 */
export interface ClockAnchor {
  readonly seconds: number;
  readonly millis: number;
}

// The two clocks are read one after the other, not at one instant: a disagreement this small is
// that gap, not the clock moving, and correcting it would only churn the anchor.
const READ_GAP_MS = 0.01;

let origin = performance.timeOrigin;
let current = split(origin);

function split(ms: number): ClockAnchor {
  const seconds = Math.floor(ms / 1000);
  return { seconds, millis: ms - seconds * 1000 };
}

/**
 * The anchor for a local root starting at monotonic reading `monotonic` (`performance.now()`):
 * the wall clock at monotonic 0, corrected to agree with `Date.now()`. Allocates only when the
 * correction moved it.
 */
export function anchorClock(monotonic: number): ClockAnchor {
  const wall = Date.now();
  const estimate = origin + monotonic;
  // Date.now() is the wall clock rounded down: the true time lies in [wall, wall + 1).
  if (estimate < wall - READ_GAP_MS) origin = wall - monotonic;
  else if (estimate >= wall + 1 + READ_GAP_MS) origin = wall + 1 - monotonic;
  else return current;
  current = split(origin);
  return current;
}

/** The wall-clock time of monotonic reading `monotonic` (`performance.now()`) under `anchor`. */
export function clockTime(anchor: ClockAnchor, monotonic: number): HrTime {
  const ms = anchor.millis + monotonic;
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [anchor.seconds + seconds + 1, nanos - 1e9] : [anchor.seconds + seconds, nanos];
}
