import { expect } from 'chai';
import { latencyRound, latencySummary, verdict, type LatencyRound } from '../../../bench/latency-stats';
import { ratioInterval } from '../../../bench/paired-stats';

const round = (p50Ms: number, p99Ms: number, count = 500, errors = 0): LatencyRound => ({ count, errors, p50Ms, p99Ms });

describe('bench: latency statistics', () => {
  it('takes the percentiles of every request at the resolution it was timed, not in whole milliseconds', () => {
    // 100 requests: 1.401, 1.402, ... 1.500 ms, shuffled.
    const latencies = Array.from({ length: 100 }, (_, i) => 1.401 + i / 1000).reverse();
    const r = latencyRound(latencies, 3);
    expect(r).to.deep.equal({ count: 100, errors: 3, p50Ms: 1.45, p99Ms: 1.499 });
    const none = latencyRound([], 2);
    expect(none.count).to.equal(0);
    expect(none.p50Ms).to.be.NaN;
  });

  it('divides each round by the baseline of the same round, so a drift that hits both stacks cancels', () => {
    // The machine slows down over the run; the traced stack is always 10% (p50) and 20% (p99) slower in its round.
    const base = [round(1.4, 3), round(2.1, 4.5), round(2.8, 6)];
    const traced = [round(1.54, 3.6), round(2.31, 5.4), round(3.08, 7.2)];
    const s = latencySummary(base, traced);
    expect(s.p50.rounds).to.equal(3);
    expect(s.p50.mean).to.be.closeTo(1.1, 1e-9);
    expect(s.p50.halfWidth).to.be.closeTo(0, 1e-9);
    expect(s.p99.mean).to.be.closeTo(1.2, 1e-9);
    expect(s.baseP50Ms).to.equal(2.1);
    expect(s.p50Ms).to.equal(2.31);
    expect(s.p99Ms).to.be.closeTo(5.4, 1e-9);
  });

  it('leaves out a round either side timed nothing, and counts every failed request', () => {
    const s = latencySummary([round(1, 2), round(1, 2, 0, 7), round(1, 2)], [round(1.2, 2.4, 500, 1), round(1.5, 3), round(1.2, 2.4)]);
    expect(s.p50.rounds).to.equal(2);
    expect(s.p50.mean).to.be.closeTo(1.2, 1e-9);
    expect(s.errors).to.equal(8);
  });

  it('meets a target only when the whole interval is under it, and misses it only when the whole interval is over', () => {
    // ratios 1.00, 1.02, 1.04: mean 1.02, 2 s.e. 0.0231
    expect(verdict(ratioInterval([1.0, 1.02, 1.04]), 1.05)).to.equal('met');
    expect(verdict(ratioInterval([1.12, 1.14, 1.16]), 1.05)).to.equal('missed');
    expect(verdict(ratioInterval([1.02, 1.05, 1.08]), 1.05)).to.equal('unresolved');
    expect(verdict(ratioInterval([]), 1.05)).to.equal('unresolved');
  });
});
