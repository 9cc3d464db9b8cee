import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { anchorClock, clockTime } from '../../../../../shared/telemetry/lean/span-clock';

const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

/** Runs `run` with `Date.now` answering `offset` ms off the real clock. */
function withClockOff<T>(offset: number, run: () => T): T {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
  try {
    return run();
  } finally {
    Date.now = realNow;
  }
}

describe('span clock (lean spans: one wall-clock read per local root, the monotonic clock under it)', () => {
  it('puts an anchored time within the whole millisecond Date.now() reports', () => {
    for (let i = 0; i < 50; i++) {
      const mono = performance.now();
      const before = Date.now();
      const t = ms(clockTime(anchorClock(mono), mono));
      expect(t).to.be.within(before - 0.02, Date.now() + 1.02);
    }
  });

  it('follows the wall clock when it is stepped an hour forward, then back', () => {
    for (const offset of [3_600_000, 0, -3_600_000, 0]) {
      withClockOff(offset, () => {
        const mono = performance.now();
        expect(ms(clockTime(anchorClock(mono), mono)) - Date.now()).to.be.within(-1.02, 1.02);
      });
    }
  });

  it('keeps the anchor, and adds monotonic readings to it to the nanosecond', () => {
    // A wall clock that keeps pace with the monotonic one, read every quarter millisecond: the
    // corrections bring the anchor within the millisecond Date.now() reports, then stop.
    const wallAt = (monotonic: number) => 1_800_000_000_000.3 + monotonic;
    const realNow = Date.now;
    let monotonic = 0;
    Date.now = () => Math.floor(wallAt(monotonic));
    const anchors: unknown[] = [];
    try {
      for (; monotonic < 20; monotonic += 0.25) {
        const anchor = anchorClock(monotonic);
        anchors.push(anchor);
        expect(ms(clockTime(anchor, monotonic)) - Math.floor(wallAt(monotonic))).to.be.within(-0.02, 1.02);
      }
    } finally {
      Date.now = realNow;
    }
    expect(new Set(anchors.slice(40)).size).to.equal(1);
    const mono = performance.now();
    const anchor = anchorClock(mono);
    const [s0, n0] = clockTime(anchor, mono);
    const [s1, n1] = clockTime(anchor, mono + 1234.567891);
    expect((s1 - s0) * 1e9 + (n1 - n0)).to.be.closeTo(1_234_567_891, 2);
    for (const t of [clockTime(anchor, mono), clockTime(anchor, mono + 999.9999999999)]) {
      expect(t[1]).to.be.within(0, 999_999_999);
      expect(Number.isInteger(t[0]) && Number.isInteger(t[1])).to.equal(true);
    }
  });

  it('gives sub-millisecond times', () => {
    const anchor = anchorClock(performance.now());
    const subMs = Array.from({ length: 20 }, (_, i) => clockTime(anchor, 10 + i * 0.37)[1] % 1_000_000);
    expect(subMs.filter((n) => n !== 0).length).to.be.greaterThan(15);
  });
});
