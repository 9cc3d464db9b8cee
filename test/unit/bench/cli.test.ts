import { expect } from 'chai';
import { MICRO_NAMES, parseCli, type BenchOptions, type CapacityOptions, type SideBySideOptions } from '../../../bench/cli';
import { planLoad, describePlanned, UNSAMPLED_CALLER_TRACEPARENT } from '../../../bench/load-plan';
import { ghzArgs } from '../../../bench/ghz-load';
import type { RunningConfig } from '../../../bench/bench-stack';

const parse = (...argv: string[]): BenchOptions => {
  const options = parseCli(argv);
  if (options === 'help') throw new Error('asked for help');
  return options;
};
const sideBySide = (...argv: string[]) => parse(...argv) as SideBySideOptions;
const capacity = (...argv: string[]) => parse('--capacity', ...argv) as CapacityOptions;

describe('bench command line: one parser for every mode', () => {
  it('defaults to the headline: off against lean at 1.0 and 0.1, REST and GetUser side by side, at rates three stacks sustain', () => {
    const o = sideBySide();
    expect(o.mode).to.equal('side-by-side');
    expect(o.configs).to.deep.equal(['off', 'on-1.0-sink', 'on-0.1-sink']);
    expect(o.loads).to.deep.equal(['rest-get-user', 'ghz-get-user']);
    expect(o.rates).to.deep.equal({ 'rest-get-user': 350, 'ghz-get-user': 700 });
    expect(o).to.include({ rounds: 12, durationS: 8, warmupS: 4, concurrency: 50, smoke: false, against: undefined });
    expect(o.latency).to.deep.equal({ rounds: 6, requests: 1000, block: 50, durationS: 3 });
  });

  it('sizes the latency phase with its own flags, shrinks it with --smoke, and leaves it out comparing builds', () => {
    expect(sideBySide('--latency-rounds', '10', '--latency-requests', '120', '--latency-duration', '5').latency).to.deep.equal({ rounds: 10, requests: 120, block: 50, durationS: 5 });
    // A block is never longer than the requests of a round.
    expect(sideBySide('--latency-requests', '30').latency.block).to.equal(30);
    expect(sideBySide('--latency-rounds', '0').latency.rounds).to.equal(0);
    expect(sideBySide('--smoke').latency).to.deep.equal({ rounds: 2, requests: 40, block: 20, durationS: 1 });
    expect(sideBySide('--against', '.').latency.rounds).to.equal(0);
    expect(() => parse('--against', '.', '--latency-rounds', '3')).to.throw(/--latency-rounds: .* leave it out with --against/);
    expect(() => parse('--latency-requests', '0')).to.throw(/--latency-requests: must be a whole number >= 1/);
    expect(() => capacity('--latency-rounds', '2')).to.throw(/--latency-rounds: not an option of --capacity/);
  });

  it('keeps the order of --configs (the first is the baseline) and takes one rate for every load', () => {
    const o = sideBySide('--configs', 'bare,off', '--loads', 'ghz-validate-token', '--rate', '500', '--rounds', '4');
    expect(o.configs).to.deep.equal(['bare', 'off']);
    expect(o.rates).to.deep.equal({ 'ghz-validate-token': 500 });
    expect(o.rounds).to.equal(4);
  });

  it('has a smoke setting of seconds on the same path', () => {
    const o = sideBySide('--smoke');
    expect(o.configs).to.deep.equal(['off', 'on-1.0-sink', 'on-0.1-sink']);
    expect(o).to.include({ rounds: 2, durationS: 2, warmupS: 0, concurrency: 5 });
    expect(o.rates).to.deep.equal({ 'rest-get-user': 100, 'ghz-get-user': 100 });
  });

  it('compares two builds at sampling 0 and 1.0 against off by default, and refuses a root without a build', () => {
    const o = sideBySide('--against', '.');
    expect(o.configs).to.deep.equal(['off', 'on-0-sink', 'on-1.0-sink']);
    expect(o.against).to.be.a('string');
    // One configuration is enough when the comparison is between builds.
    expect(sideBySide('--against', '.', '--configs', 'off').configs).to.deep.equal(['off']);
    expect(() => parse('--against', '/nonexistent')).to.throw(/--against: .* has no dist\/gateway\/main\.js/);
  });

  it('refuses what cannot be compared side by side', () => {
    // Jaeger's own CPU would compete unevenly; PostgreSQL and replicas are other stacks altogether.
    expect(() => parse('--configs', 'off,on-1.0')).to.throw(/on-1\.0 cannot run side by side/);
    expect(() => parse('--configs', 'off,off-pg')).to.throw(/off-pg/);
    expect(() => parse('--configs', 'off')).to.throw(/at least two/);
    expect(() => parse('--loads', 'rest-login')).to.throw(/--loads/);
    expect(() => parse('--rounds', '1')).to.throw(/--rounds/);
    expect(() => parse('--bogus')).to.throw();
  });

  it('refuses a flag the chosen mode does not use, and two modes at once', () => {
    expect(() => parse('--retries', '1')).to.throw(/--retries: not an option of the side-by-side run/);
    expect(() => parse('--soak', '--rate', '5')).to.throw(/--rate: not an option of --soak/);
    expect(() => parse('--micro', 'jwt', '--against', '.')).to.throw(/--against/);
    expect(() => parse('--capacity', '--soak')).to.throw(/choose one mode/);
  });

  it('parses the other modes with their own defaults', () => {
    expect(parse('--soak')).to.deep.include({ mode: 'soak', durationS: 60, concurrency: 100 });
    expect(parse('--soak', '--duration', '8', '--concurrency', '5')).to.deep.include({ durationS: 8, concurrency: 5 });
    expect(() => parse('--soak', '--duration', '2')).to.throw(/--duration/);
    expect(parse('--collector')).to.deep.include({ mode: 'collector', durationS: 20, concurrency: 20 });
    expect(parse('--collector')).to.not.have.property('samplers');
    expect(parse('--collector', '--samplers', '2')).to.deep.include({ mode: 'collector', samplers: 2 });
    expect(() => parse('--collector', '--samplers', '0')).to.throw(/--samplers/);
    expect(() => parse('--soak', '--samplers', '2')).to.throw(/--samplers: not an option of --soak/);
    expect(parse('--micro', 'all')).to.deep.include({ mode: 'micro', names: [...MICRO_NAMES] });
    expect(MICRO_NAMES).to.include.members(['encode', 'span-path', 'jwt', 'request-attributes', 'peer-identity']);
    expect(parse('--micro', 'jwt', '--iterations', '100')).to.deep.include({ names: ['jwt'], iterations: 100, rounds: undefined });
    expect(() => parse('--micro', 'export')).to.throw(/--micro: unknown export/);
    expect(parse('--profile-summary', 'p.cpuprofile', '--top', '10')).to.deep.include({ mode: 'profile-summary', top: 10 });
    const c = capacity();
    expect(c).to.include({ rounds: 3, durationS: 30, concurrency: 50, retries: 2, ghzCpus: 1 });
    expect(c.configs).to.deep.equal(['off', 'on-1.0-sink', 'on-0.1-sink']);
  });
});

describe('bench command line: --rate (equal load for every configuration)', () => {
  it('runs --capacity closed loop when --rate is absent', () => {
    expect(capacity().rates).to.deep.equal({});
  });

  it('gives a bare number to every chosen load but the fixed-concurrency probes', () => {
    const { rates } = capacity('--rate', '900', '--loads', 'rest-get-user,ghz-get-user,ghz-get-user-c1');
    expect(rates).to.deep.equal({ 'ghz-get-user': 900, 'rest-get-user': 900 });
  });

  it('takes load=rps pairs, one rate per load', () => {
    const { rates } = capacity('--rate', 'rest-get-user=700, ghz-validate-token=3300');
    expect(rates).to.deep.equal({ 'rest-get-user': 700, 'ghz-validate-token': 3300 });
  });

  it('refuses what it cannot honour, naming the problem', () => {
    expect(() => capacity('--rate', 'fast')).to.throw(/--rate: must be a whole number >= 1, got "fast"/);
    expect(() => capacity('--rate', '0')).to.throw(/whole number >= 1/);
    expect(() => capacity('--rate', 'rest-get-user=1.5')).to.throw(/whole number >= 1, got "1.5"/);
    expect(() => capacity('--rate', 'nope=10')).to.throw(/unknown load nope/);
    expect(() => capacity('--rate', 'ghz-get-user-c1=10')).to.throw(/fixed concurrency/);
    expect(() => capacity('--rate', 'rest-get-user=1=2')).to.throw(/expected <load>=<rps>/);
  });

  it('reaches the load generators: autocannon overallRate and ghz --rps, closed loop without', () => {
    const running = {
      gatewayUrl: 'http://127.0.0.1:1',
      userAddr: '127.0.0.1:2',
      clientTls: { ca: 'pki/ca.crt', cert: 'pki/gateway.crt', key: 'pki/gateway.key' },
      account: { id: 'u1', email: 'a@example.com', password: 'pw', accessToken: 't' },
    } as unknown as RunningConfig;
    const shape = { concurrency: 50, durationS: 8, ghzCpus: 1 };
    const rest = planLoad('rest-get-user', running, { ...shape, rate: 700 });
    expect(rest.tool === 'autocannon' && rest.http.overallRate).to.equal(700);
    expect(describePlanned(rest)).to.match(/^autocannon -c 50 --overallRate 700 -d 8 /);
    const ghz = planLoad('ghz-get-user', running, { ...shape, rate: 1500 });
    expect(ghz.tool === 'ghz' && ghzArgs(ghz.ghz)).to.include.members(['--rps', '1500']);
    // Mutual TLS, as the gateway: the services answer nobody else.
    expect(ghz.tool === 'ghz' && ghzArgs(ghz.ghz).join(' ')).to.include('--cacert pki/ca.crt --cert pki/gateway.crt --key pki/gateway.key').and.not.include('--insecure');
    const closed = planLoad('ghz-get-user', running, { ...shape, rate: 0 });
    expect(closed.tool === 'ghz' && ghzArgs(closed.ghz)).not.to.include('--rps');
    expect(describePlanned(planLoad('rest-get-user', running, { ...shape, rate: 0 }))).not.to.include('overallRate');
  });

  it("--unsampled-caller: every request carries the caller's unsampled traceparent, and the token stays masked", () => {
    const running = {
      gatewayUrl: 'http://127.0.0.1:1',
      userAddr: '127.0.0.1:2',
      account: { id: 'u1', email: 'a@example.com', password: 'pw', accessToken: 'secret-token' },
    } as unknown as RunningConfig;
    const options = parseCli(['--unsampled-caller', '--configs', 'off,on-0-sink']);
    expect(options !== 'help' && options.mode === 'side-by-side' && options.unsampledCaller).to.equal(true);
    const plain = parseCli(['--configs', 'off,on-0-sink']);
    expect(plain !== 'help' && plain.mode === 'side-by-side' && plain.unsampledCaller).to.equal(false);
    expect(() => parseCli(['--capacity', '--unsampled-caller'])).to.throw(/unsampled-caller/);
    const shape = { concurrency: 50, durationS: 8, ghzCpus: 1, rate: 0, callerTraceparent: UNSAMPLED_CALLER_TRACEPARENT };
    expect(UNSAMPLED_CALLER_TRACEPARENT).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const rest = planLoad('rest-get-user', running, shape);
    expect(rest.tool === 'autocannon' && rest.http.headers).to.deep.equal({ authorization: 'Bearer secret-token', traceparent: UNSAMPLED_CALLER_TRACEPARENT });
    const ghz = planLoad('ghz-get-user', running, shape);
    expect(ghz.tool === 'ghz' && ghz.ghz.metadata).to.deep.equal({ authorization: 'Bearer secret-token', traceparent: UNSAMPLED_CALLER_TRACEPARENT });
    expect(describePlanned(ghz)).to.include(UNSAMPLED_CALLER_TRACEPARENT).and.not.include('secret-token');
    const login = planLoad('rest-login', running, shape);
    expect(login.tool === 'autocannon' && login.http.headers).to.deep.equal({ 'content-type': 'application/json', traceparent: UNSAMPLED_CALLER_TRACEPARENT });
    const without = planLoad('rest-get-user', running, { ...shape, callerTraceparent: undefined });
    expect(without.tool === 'autocannon' && without.http.headers).to.deep.equal({ authorization: 'Bearer secret-token' });
  });

  it('sends ghz a number of calls instead of a duration when the load asks for one', () => {
    const running = { userAddr: '127.0.0.1:2', account: { id: 'u1', email: 'a@example.com', password: 'pw', accessToken: 't' } } as unknown as RunningConfig;
    const ghz = planLoad('ghz-get-user', running, { concurrency: 1, durationS: 8, ghzCpus: 1, rate: 0 });
    if (ghz.tool !== 'ghz') throw new Error('expected a ghz load');
    const counted = ghzArgs({ ...ghz.ghz, requests: 101 });
    expect(counted).to.include.members(['--total', '101']);
    expect(counted).not.to.include('--duration');
    expect(ghzArgs(ghz.ghz)).to.include.members(['--duration', '8s']).and.not.include('--total');
  });
});
