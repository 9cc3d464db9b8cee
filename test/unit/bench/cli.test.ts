import { expect } from 'chai';
import { parseCli, type BenchOptions } from '../../../bench/cli';
import { planLoad, describePlanned } from '../../../bench/load-plan';
import { ghzArgs } from '../../../bench/ghz-load';
import type { RunningConfig } from '../../../bench/bench-stack';

const parse = (...argv: string[]): BenchOptions => {
  const options = parseCli(argv);
  if (options === 'help') throw new Error('asked for help');
  return options;
};

describe('bench command line: --rate (equal load for every configuration)', () => {
  it('runs closed loop when --rate is absent', () => {
    expect(parse().rates).to.deep.equal({});
  });

  it('gives a bare number to every chosen load but the fixed-concurrency probes', () => {
    const { rates } = parse('--rate', '900', '--only', 'rest-get-user,ghz-get-user,ghz-get-user-c1');
    expect(rates).to.deep.equal({ 'ghz-get-user': 900, 'rest-get-user': 900 });
  });

  it('takes load=rps pairs, one rate per load', () => {
    const { rates } = parse('--rate', 'rest-get-user=700, ghz-validate-token=3300');
    expect(rates).to.deep.equal({ 'rest-get-user': 700, 'ghz-validate-token': 3300 });
  });

  it('refuses what it cannot honour, naming the problem', () => {
    expect(() => parse('--rate', 'fast')).to.throw(/--rate: requests a second must be a whole number >= 1, got "fast"/);
    expect(() => parse('--rate', '0')).to.throw(/whole number >= 1/);
    expect(() => parse('--rate', 'rest-get-user=1.5')).to.throw(/whole number >= 1, got "1.5"/);
    expect(() => parse('--rate', 'nope=10')).to.throw(/unknown load nope/);
    expect(() => parse('--rate', 'ghz-get-user-c1=10')).to.throw(/fixed concurrency/);
    expect(() => parse('--rate', 'rest-get-user=1=2')).to.throw(/expected <load>=<rps>/);
  });

  it('reaches the load generators: autocannon overallRate and ghz --rps, closed loop without', () => {
    const running = {
      gatewayUrl: 'http://127.0.0.1:1',
      userAddr: '127.0.0.1:2',
      account: { id: 'u1', email: 'a@example.com', password: 'pw', accessToken: 't' },
    } as unknown as RunningConfig;
    const shape = { concurrency: 50, durationS: 8, ghzCpus: 1 };
    const rest = planLoad('rest-get-user', running, { ...shape, rate: 700 });
    expect(rest.tool === 'autocannon' && rest.http.overallRate).to.equal(700);
    expect(describePlanned(rest)).to.match(/^autocannon -c 50 --overallRate 700 -d 8 /);
    const ghz = planLoad('ghz-get-user', running, { ...shape, rate: 1500 });
    expect(ghz.tool === 'ghz' && ghzArgs(ghz.ghz)).to.include.members(['--rps', '1500']);
    const closed = planLoad('ghz-get-user', running, { ...shape, rate: 0 });
    expect(closed.tool === 'ghz' && ghzArgs(closed.ghz)).not.to.include('--rps');
    expect(describePlanned(planLoad('rest-get-user', running, { ...shape, rate: 0 }))).not.to.include('overallRate');
  });
});
