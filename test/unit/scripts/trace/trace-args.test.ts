import { expect } from 'chai';
import { EXIT, parseTraceId, TraceQueryError } from '../../../../scripts/trace/jaeger-query';
import { DEFAULT_JAEGER_URL, parseArgs } from '../../../../scripts/trace/trace-args';
import { wantsColor } from '../../../../scripts/color';

const ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const usage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(TraceQueryError);
    expect((err as TraceQueryError).exitCode).to.equal(EXIT.USAGE);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('trace command arguments', () => {
  it('takes a trace id, or a whole traceresponse value, upper case too', () => {
    expect(parseTraceId(ID)).to.equal(ID);
    expect(parseTraceId(ID.toUpperCase())).to.equal(ID);
    expect(parseTraceId(`00-${ID}-00f067aa0ba902b7-01`)).to.equal(ID);
  });

  it('refuses what is not a trace id, with exit code 2', () => {
    for (const bad of ['', 'abc', `${ID}0`, 'g'.repeat(32), '0'.repeat(32)]) expect(usage(() => parseTraceId(bad))).to.match(/is not a trace id: expected 32 hex digits/);
  });

  it('defaults Jaeger to JAEGER_URL, else 127.0.0.1:16686; --jaeger wins', () => {
    expect(parseArgs([ID], {})).to.deep.equal({ jaegerUrl: DEFAULT_JAEGER_URL, target: { traceId: ID } });
    expect(parseArgs([ID], { JAEGER_URL: 'http://jaeger:16686/' }).jaegerUrl).to.equal('http://jaeger:16686');
    expect(parseArgs([ID, '--jaeger', 'http://h:1'], { JAEGER_URL: 'http://jaeger:16686' }).jaegerUrl).to.equal('http://h:1');
    expect(parseArgs([`--jaeger=http://h:2`, ID], {}).jaegerUrl).to.equal('http://h:2');
  });

  it('--last takes an optional service (gateway by default)', () => {
    expect(parseArgs(['--last'], {}).target).to.deep.equal({ lastOf: 'gateway' });
    expect(parseArgs(['--last', 'auth-service', '--jaeger', 'http://h:1'], {})).to.deep.equal({ jaegerUrl: 'http://h:1', target: { lastOf: 'auth-service' } });
    expect(parseArgs(['--last', '--jaeger', 'http://h:1'], {}).target).to.deep.equal({ lastOf: 'gateway' });
  });

  it('names what is wrong with the command line', () => {
    expect(usage(() => parseArgs([], {}))).to.match(/^which trace\?\nusage: npm run trace/);
    expect(usage(() => parseArgs([ID, '--jaeger'], {}))).to.match(/--jaeger needs a URL/);
    expect(usage(() => parseArgs([ID, '--jaeger', 'localhost:16686'], {}))).to.match(/"localhost:16686" is not an http\(s\) URL/);
    expect(usage(() => parseArgs([ID, '--verbose'], {}))).to.match(/unknown option --verbose/);
    expect(usage(() => parseArgs([ID, ID], {}))).to.match(/one trace id at a time/);
    expect(usage(() => parseArgs([ID, '--last'], {}))).to.match(/not both/);
  });

  it('colours only a terminal, and never with NO_COLOR', () => {
    expect(wantsColor({ isTTY: true }, {})).to.equal(true);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).to.equal(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '' })).to.equal(true);
    expect(wantsColor({ isTTY: false }, {})).to.equal(false);
    expect(wantsColor({}, {})).to.equal(false);
  });
});
