import { expect } from 'chai';
import { pairedSummary, type RoundSample } from '../../../bench/paired-stats';
import { formatSideBySide, type SideBySideReport } from '../../../bench/side-by-side';

const sample = (gateway: number, user: number, rps = 350): RoundSample => ({ cpuUs: { gateway, user }, count: rps * 6, errors: 0, rps });

describe('bench: side-by-side paired statistics', () => {
  it('compares each round with the baseline of that same round, so a drift that hits both cancels', () => {
    // The machine slows down 2x over the run; the traced stack always costs 10% more in its round.
    const base = [sample(300, 200), sample(450, 300), sample(600, 400)];
    const traced = [sample(330, 220), sample(495, 330), sample(660, 440)];
    const s = pairedSummary(base, traced);
    expect(s.rounds).to.equal(3);
    expect(s.medianRatio).to.be.closeTo(1.1, 1e-9);
    expect(s.meanRatio).to.be.closeTo(1.1, 1e-9);
    expect(s.ratioHalfWidth).to.be.closeTo(0, 1e-9);
    // Per process: the median of the per-round differences (30, 45, 60 and 20, 30, 40).
    expect(s.deltaUs).to.deep.equal({ gateway: 45, user: 30 });
    expect(s.cpuUsPerRequest).to.equal(825);
    // Unpaired, the same figures would spread from 500 to 1100 µs and say nothing.
  });

  it('gives an interval that widens with the spread of the ratios', () => {
    const base = [sample(500, 500), sample(500, 500), sample(500, 500), sample(500, 500)];
    const noisy = [sample(500, 500), sample(600, 600), sample(450, 450), sample(650, 650)];
    const s = pairedSummary(base, noisy);
    // ratios 1.0, 1.2, 0.9, 1.3: mean 1.1, sd 0.1826, 2 s.e. = 0.1826
    expect(s.meanRatio).to.be.closeTo(1.1, 1e-9);
    expect(s.medianRatio).to.be.closeTo(1.1, 1e-9);
    expect(s.ratioHalfWidth).to.be.closeTo(0.1826, 1e-3);
  });

  it('leaves out rounds that are missing or not at equal load, and counts them', () => {
    const base = [sample(300, 200), sample(300, 200), sample(300, 200), sample(300, 200)];
    const other = [sample(330, 220), sample(9000, 9000, 0), undefined, sample(330, 220, 200)];
    const s = pairedSummary(base, other, 315);
    expect(s.rounds).to.equal(1);
    expect(s.roundsLeftOut).to.equal(3);
    expect(s.medianRatio).to.be.closeTo(1.1, 1e-9);
    const none = pairedSummary(base, [undefined], 315);
    expect(none.rounds).to.equal(0);
    expect(none.medianRatio).to.be.NaN;
  });
});

describe('bench: side-by-side report', () => {
  const base = [sample(300, 200), sample(300, 200), sample(300, 200)];
  const traced = [sample(330, 220), sample(330, 220), sample(330, 220, 100)];
  const options = { mode: 'side-by-side' as const, configs: ['off' as const, 'on-0-sink' as const], loads: ['rest-get-user' as const], rates: { 'rest-get-user': 350 }, rounds: 3, durationS: 6, warmupS: 4, concurrency: 50, smoke: false, unsampledCaller: false, latency: { rounds: 0, requests: 500, block: 100, durationS: 3 } };

  it('prints ratios, per-process differences, the rounds left out, and the headline with intervals', () => {
    const report: SideBySideReport = {
      startedAt: '2026-12-02T05:00:00.000Z',
      options,
      node: 'v24.22.3',
      comparisons: [
        {
          load: 'rest-get-user',
          rate: 350,
          results: [
            { label: 'off', config: 'off', ...pairedSummary(base, base, 315) },
            { label: 'on-0-sink', config: 'on-0-sink', ...pairedSummary(base, traced, 315) },
          ],
          samples: { off: base, 'on-0-sink': traced },
        },
      ],
    };
    const text = formatSideBySide(report);
    expect(text).to.match(/rest-get-user at 350 rps on each stack at once, 3 x 6 s/);
    expect(text).to.match(/on-0-sink\s+x1\.100\s+x1\.100 \+-0\.000\s+550\s+\+30\s+\+20\s+0\s+350 \(350\)\s+2 \(1 left out/);
    expect(text).to.match(/CPU per request against off, same rounds \(mean \+- 2 s\.e\.\):\n\s+rest-get-user\s+on-0-sink x1\.10 \+-0\.00$/);
  });

  it('with --against, the headline is this build over that build, per configuration', () => {
    const report: SideBySideReport = {
      startedAt: '2026-12-04T05:00:00.000Z',
      options: { ...options, configs: ['off'], against: '/work/old' },
      node: 'v24.22.3',
      comparisons: [
        {
          load: 'rest-get-user',
          rate: 350,
          results: [
            { label: 'off (that build)', config: 'off', ...pairedSummary(base, base) },
            { label: 'off (this build)', config: 'off', ...pairedSummary(base, traced.slice(0, 2)) },
          ],
          samples: {},
        },
      ],
    };
    expect(formatSideBySide(report)).to.match(/this build \/ the build at \/work\/old, same rounds \(mean \+- 2 s\.e\.\):\n\s+rest-get-user\s+off x1\.10 \+-0\.00$/);
  });
});
