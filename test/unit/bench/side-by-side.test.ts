import { expect } from 'chai';
import { pairedSummary, type RoundSample } from '../../../bench/paired-stats';
import { formatSideBySide, parseSideBySideCli, type SideBySideReport } from '../../../bench/side-by-side';

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

describe('bench: side-by-side command line and report', () => {
  it('defaults to off against sampling 0 and 1.0 on REST, at a rate three stacks sustain', () => {
    const o = parseSideBySideCli([]);
    expect(o).to.not.equal('help');
    if (o === 'help') return;
    expect(o.configs).to.deep.equal(['off', 'on-0-sink', 'on-1.0-sink']);
    expect(o).to.include({ load: 'rest-get-user', rate: 350, rounds: 12, durationS: 6, concurrency: 50 });
    const g = parseSideBySideCli(['--load', 'ghz-get-user', '--configs', 'bare,off', '--rounds', '4', '--rate', '500']);
    expect(g).to.include({ load: 'ghz-get-user', rate: 500, rounds: 4 });
  });

  it('refuses what cannot be compared side by side', () => {
    // Jaeger's own CPU would compete unevenly; PostgreSQL and replicas are other stacks altogether.
    expect(() => parseSideBySideCli(['--configs', 'off,on-1.0'])).to.throw(/on-1\.0.*cannot run side by side/);
    expect(() => parseSideBySideCli(['--configs', 'off,off-pg'])).to.throw(/off-pg/);
    expect(() => parseSideBySideCli(['--configs', 'off'])).to.throw(/at least two/);
    expect(() => parseSideBySideCli(['--configs', 'off,off'])).to.throw(/at least two different/);
    expect(() => parseSideBySideCli(['--load', 'rest-login'])).to.throw(/--load/);
    expect(() => parseSideBySideCli(['--rounds', '1'])).to.throw(/--rounds/);
    expect(() => parseSideBySideCli(['--rate', 'x'])).to.throw(/--rate/);
    expect(() => parseSideBySideCli(['--bogus'])).to.throw();
  });

  it('prints ratios, per-process differences and the rounds left out', () => {
    const base = [sample(300, 200), sample(300, 200), sample(300, 200)];
    const traced = [sample(330, 220), sample(330, 220), sample(330, 220, 100)];
    const report: SideBySideReport = {
      startedAt: '2026-12-02T05:00:00.000Z',
      options: { configs: ['off', 'on-0-sink'], load: 'rest-get-user', rate: 350, rounds: 3, durationS: 6, warmupS: 4, concurrency: 50 },
      node: 'v24.22.3',
      results: [
        { config: 'off', ...pairedSummary(base, base, 315) },
        { config: 'on-0-sink', ...pairedSummary(base, traced, 315) },
      ],
      samples: { off: base, 'on-0-sink': traced },
    };
    const text = formatSideBySide(report);
    expect(text).to.match(/rest-get-user at 350 rps on each stack at once, 3 x 6 s/);
    expect(text).to.match(/on-0-sink\s+x1\.100\s+x1\.100 \+-0\.000\s+550\s+\+30\s+\+20\s+0\s+350 \(350\)\s+2 \(1 left out/);
  });
});
