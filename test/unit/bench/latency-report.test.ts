import { expect } from 'chai';
import type { LatencyComparison, LatencyReport } from '../../../bench/latency-phase';
import { formatLatencyTables, judged, latencyHeadline } from '../../../bench/latency-report';
import { latencySummary, type LatencyRound } from '../../../bench/latency-stats';
import { ratioInterval } from '../../../bench/paired-stats';
import { formatSideBySide, sideBySidePassed, type SideBySideReport } from '../../../bench/side-by-side';

const r = (p50Ms: number, p99Ms: number, errors = 0): LatencyRound => ({ count: 500, errors, p50Ms, p99Ms });

function comparison(probe: 'c1' | 'rate', traced: 'on-1.0-sink' | 'on-1.0', base: LatencyRound[], other: LatencyRound[]): LatencyComparison {
  return {
    load: 'rest-get-user',
    probe,
    ...(probe === 'rate' ? { rate: 350 } : {}),
    baseline: 'off',
    traced,
    summary: latencySummary(base, other),
    rounds: base.map((b, i) => ({ baseline: b, traced: other[i]! })),
  };
}

const base = [r(1.4, 3.0), r(1.5, 3.2), r(1.45, 3.1)];
const report: LatencyReport = {
  options: { rounds: 3, requests: 500, block: 100, durationS: 3 },
  comparisons: [
    // p50 x1.02-1.04 (met), p99 x1.20 (missed)
    comparison('c1', 'on-1.0-sink', base, [r(1.428, 3.6), r(1.545, 3.84), r(1.508, 3.72)]),
    // p50 x1.13-1.16 (missed)
    comparison('c1', 'on-1.0', base, [r(1.582, 3.3), r(1.74, 3.5), r(1.653, 3.4)]),
    comparison('rate', 'on-1.0-sink', base, [r(1.47, 9), r(1.575, 9), r(1.5225, 9)]),
  ],
};

describe('bench: latency report', () => {
  it('writes a ratio with its target and verdict, and only the ratio where there is no target', () => {
    expect(judged(ratioInterval([1.0, 1.02, 1.04]), 1.05)).to.equal('x1.02 +-0.02 (<= x1.05: met)');
    expect(judged(ratioInterval([1.2, 1.2]), undefined)).to.equal('x1.20 +-0.00');
  });

  it('prints the headline: p50 and p99 at c=1 against x1.05 and x1.10, p50 at the fixed rate against x1.05', () => {
    const lines = latencyHeadline(report);
    expect(lines[0]).to.equal('Latency against off, same rounds (mean +- 2 s.e.; met: the whole interval under the target):');
    expect(lines[1]).to.match(/^\s+rest-get-user\s+c=1\s+on-1\.0-sink\s+p50 x1\.03 \+-0\.01 \(<= x1\.05: met\), p99 x1\.20 \+-0\.00 \(<= x1\.10: missed\)$/);
    expect(lines[2]).to.match(/c=1\s+on-1\.0\s+p50 x1\.14 \+-0\.0\d \(<= x1\.05: missed\)/);
    // Under load the tail is the queue's: p99 is shown without a target.
    expect(lines[3]).to.match(/350 rps\s+on-1\.0-sink\s+p50 x1\.05 \+-0\.00 \(<= x1\.05: met\), p99 x\d\.\d\d \+-\d\.\d\d$/);
  });

  it('prints a table per load with the percentiles in ms to 0.01 and the rounds', () => {
    const text = formatLatencyTables(report).join('\n');
    expect(text).to.include('rest-get-user latency, 3 rounds: c=1 500 requests a stack in blocks of 100 alternating');
    expect(text).to.match(/c=1\s+on-1\.0-sink\s+1\.45\s+1\.51\s+x1\.03 \+-0\.01\s+3\.10\s+3\.72\s+x1\.20 \+-0\.00\s+0\s+3/);
  });

  it('puts the latency beside the CPU ratios in the side-by-side report, and fails the run on a failed request', () => {
    const sideBySide: SideBySideReport = {
      startedAt: '2026-12-07T05:00:00.000Z',
      options: { mode: 'side-by-side', configs: ['off', 'on-1.0-sink'], loads: ['rest-get-user'], rates: { 'rest-get-user': 350 }, rounds: 3, durationS: 8, warmupS: 4, concurrency: 50, smoke: false, unsampledCaller: false, latency: report.options },
      node: 'v24.22.3',
      comparisons: [],
      latency: report,
    };
    const text = formatSideBySide(sideBySide);
    expect(text).to.match(/CPU per request against the baseline, same rounds \(mean \+- 2 s\.e\.\):\n\nLatency against off/);
    expect(sideBySidePassed(sideBySide)).to.equal(true);
    const failing = comparison('c1', 'on-1.0', base, [r(1.5, 3, 2), r(1.5, 3), r(1.5, 3)]);
    expect(sideBySidePassed({ ...sideBySide, latency: { ...report, comparisons: [failing] } })).to.equal(false);
  });
});
