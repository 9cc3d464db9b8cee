import { Writable } from 'node:stream';
import { expect } from 'chai';
import pino from 'pino';
import { serviceInstanceId } from '../../../../shared/telemetry/active-config';
import { createLogger, type Logger } from '../../../../shared/logging/logger';
import { CENSOR, censorOneLevelDown } from '../../../../shared/logging/redaction';

// The configuration redaction.ts replaces: pino's own redaction with `*.` wildcard paths.
const STOCK_PATHS = [
  'password', '*.password', 'token', '*.token', 'accessToken', '*.accessToken', 'refreshToken', '*.refreshToken',
  'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'req.headers.authorization', 'req.headers.cookie',
];

/** Collects the lines a logger writes. */
function capture(): { stream: pino.DestinationStream; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream: stream as unknown as pino.DestinationStream, lines };
}

function stockLogger(stream: pino.DestinationStream): Logger {
  return pino(
    {
      level: 'info',
      base: { service: 'test', service_instance_id: serviceInstanceId() },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: STOCK_PATHS, censor: CENSOR },
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

const withoutTime = (line: string) => line.replace(/"time":"[^"]*",/, '');

class Credentials {
  constructor(readonly email: string, readonly password: string) {}
}

const errorWithToken = Object.assign(new Error('refused'), { token: 'err-token-secret', code: 'E_REFUSED' });
const inherited = Object.create({ password: 'inherited-secret' }) as object;

/** Lines (arguments to `info`) covering every rule, and the shapes that must pass untouched. */
const CASES: Array<[string, unknown[]]> = [
  ['a request line with trace fields', [{ method: 'GET', path: '/api/v1/users/:id', status: 200, durationMs: 1.25, trace_id: 'b2a74141a156cb4095cc747f0d41fa53', span_id: 'f9c8e102ba1c4b40', trace_flags: '01' }, 'request']],
  ['top-level secrets', [{ password: 'p-secret', token: 't-secret', accessToken: 'a-secret', refreshToken: 'r-secret', authorization: 'Bearer x-secret', email: 'a@b.c' }, 'login']],
  ['secrets one object down', [{ user: { email: 'a@b.c', password: 'p-secret' }, body: { token: 't-secret', refreshToken: 'r-secret', accessToken: 'a-secret', keep: 1 } }, 'nested']],
  ['headers', [{ headers: { authorization: 'Bearer h-secret', cookie: 'sid=c-secret', 'content-type': 'application/json' } }, 'headers']],
  ['a request object', [{ req: { method: 'POST', password: 'p-secret', headers: { authorization: 'Bearer h-secret', cookie: 'sid=c-secret', host: 'x' } } }, 'req']],
  ['a class instance', [{ credentials: new Credentials('a@b.c', 'p-secret') }, 'instance']],
  ['an error with a token', [{ err: errorWithToken }, 'failed']],
  ['an inherited secret', [{ thing: inherited }, 'inherited']],
  ['a frozen object', [Object.freeze({ user: Object.freeze({ password: 'p-secret', id: 7 }) }), 'frozen']],
  ['a secret key holding undefined or null', [{ user: { password: undefined, token: null, name: 'n' } }, 'empty']],
  ['arrays and deeper objects (not redacted by either)', [{ list: [{ password: 'deep-1' }], a: { b: { password: 'deep-2' } } }, 'deep']],
  ['nulls, numbers, booleans', [{ n: null, x: 0, ok: true, nan: Number.NaN, s: 'quote " and \\ backslash' }, 'scalars']],
  ['a message only', ['just a message']],
  ['%o with a nested secret', ['got %o', { user: { password: 'fmt-secret', email: 'a@b.c' } }]],
  ['%j after an object', [{ a: 1 }, 'got %j', { body: { token: 'fmt-token' }, token: 'top-fmt' }]],
  ['%o with an array of objects', ['list %o', [{ password: 'arr-secret' }, { name: 'n' }]]],
];

describe('shared/logging: secrets are redacted from log lines', () => {
  for (const [name, args] of CASES) {
    it(`writes the same bytes as pino's wildcard redaction: ${name}`, () => {
      const ours = capture();
      const stock = capture();
      (createLogger('test', 'info', ours.stream).info as (...a: unknown[]) => void)(...args);
      (stockLogger(stock.stream).info as (...a: unknown[]) => void)(...args);
      expect(ours.lines).to.have.length(1);
      expect(withoutTime(ours.lines[0]!)).to.equal(withoutTime(stock.lines[0]!));
    });
  }

  it('writes the same bytes for child and grandchild loggers whose bindings hold secrets', () => {
    const ours = capture();
    const stock = capture();
    const bindings = { session: { token: 'bound-secret', id: 's1' }, password: 'top-bound' };
    const more = { call: { authorization: 'Bearer grand-secret' } };
    const oursChild = createLogger('test', 'info', ours.stream).child(bindings);
    const stockChild = stockLogger(stock.stream).child(bindings);
    oursChild.info({ a: 1 }, 'child');
    stockChild.info({ a: 1 }, 'child');
    oursChild.child(more).info('grandchild');
    stockChild.child(more).info('grandchild');
    expect(ours.lines.map(withoutTime)).to.deep.equal(stock.lines.map(withoutTime));
    expect(ours.lines.join('\n')).not.to.match(/bound-secret|top-bound|grand-secret/);
  });

  it('never writes a secret value, whatever the shape', () => {
    const out = capture();
    const logger = createLogger('test', 'info', out.stream);
    for (const [, args] of CASES) (logger.info as (...a: unknown[]) => void)(...args);
    const all = out.lines.join('\n');
    for (const secret of ['p-secret', 't-secret', 'a-secret', 'r-secret', 'x-secret', 'h-secret', 'c-secret', 'err-token-secret', 'inherited-secret', 'fmt-secret', 'fmt-token', 'top-fmt', 'arr-secret']) {
      expect(all, secret).not.to.include(secret);
    }
    expect(all).to.include(CENSOR);
  });

  it('leaves the logged object itself unchanged and returns it as is when nothing is secret', () => {
    const line = { user: { email: 'a@b.c', password: 'p-secret' }, id: 1 };
    const censored = censorOneLevelDown(line);
    expect(line.user.password).to.equal('p-secret');
    expect(censored).to.deep.equal({ user: { email: 'a@b.c', password: CENSOR }, id: 1 });
    const clean = { user: { email: 'a@b.c' }, id: 1, trace_id: 'abc' };
    expect(censorOneLevelDown(clean)).to.equal(clean);
    const err = censorOneLevelDown({ err: errorWithToken }).err;
    expect(err).to.be.instanceOf(Error);
    expect(errorWithToken.token).to.equal('err-token-secret');
  });
});
