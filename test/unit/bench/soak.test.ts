import { expect } from 'chai';
import type { LoadResult } from '../../../bench/load-result';
import { soakFailures, type SoakMemory } from '../../../bench/soak';

const load = (count: number, errors = 0): LoadResult => ({
  rps: count / 60,
  p50Ms: 5,
  p90Ms: 9,
  p99Ms: 20,
  count,
  errors,
  statusCodes: {},
  errorMessages: errors ? { UNAVAILABLE: errors } : {},
  durationS: 60,
});
const mem = (first: number, second: number): SoakMemory => ({ firstHalfPeakMb: first, secondHalfPeakMb: second, growth: second / first - 1 });

describe('bench: soak pass criteria', () => {
  it('passes with no failed call and every process under 10% RSS growth', () => {
    expect(soakFailures({ 'ghz-get-user': load(9000), 'rest-get-user': load(6000) }, { user: mem(200, 215), auth: mem(150, 140) })).to.deep.equal([]);
  });

  it('fails on a single failed call, an idle load, or 10% growth, naming each', () => {
    const failures = soakFailures({ 'ghz-get-user': load(9000, 1), 'rest-get-user': load(0) }, { gateway: mem(100, 110), user: mem(200, 219) });
    expect(failures).to.have.length(3);
    expect(failures.join('\n')).to.match(/ghz-get-user: 1 failed/).and.match(/rest-get-user: no call/).and.match(/gateway: RSS grew 10\.0%/);
  });
});
