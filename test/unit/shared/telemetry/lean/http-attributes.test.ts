// The gateway's fast request attributes against the stock http instrumentation's function, on
// real requests over a socket: the same attributes for every shape of request.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Attributes } from '@opentelemetry/api';
import { expect } from 'chai';
import { incomingRequestAttributes } from '../../../../../shared/telemetry/lean/http-attributes';
import { REDACTED_QUERY_PARAMS } from '../../../../../shared/telemetry/untraced';

// The module object shared/telemetry/lean/http-attributes.ts calls the stock functions through: the tests
// wrap its functions to see which requests the fast path leaves to them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const utils = require('@opentelemetry/instrumentation-http/build/src/utils') as {
  getIncomingRequestAttributes: (req: IncomingMessage, options: object, logger: object) => Attributes;
  redactQueryString: (params: URLSearchParams, redact: string[]) => string;
};
const { getIncomingRequestAttributes, redactQueryString } = utils;
const stock = (req: IncomingMessage) =>
  getIncomingRequestAttributes(req, { component: 'http', redactedQueryParams: REDACTED_QUERY_PARAMS, enableSyntheticSourceDetection: false }, { verbose: () => undefined });

interface Case {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Left to the stock function (the fast path does not take it); every other case must not reach it. */
  stock?: true;
}

const CASES: Case[] = [
  { path: '/api/v1/users/3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70' },
  { path: '/api/v1/users?limit=20&offset=0' },
  { path: '/api/v1/users?access_token=secret&page=2&token=x' },
  { path: '/api/v1/users?' },
  { path: '/api/v1/users?q=a+b&r=c%20d' },
  { path: '/api/v1/users/%2e%2e/admin', stock: true },
  { path: '/api/v1/users/../admin', stock: true },
  { path: '/api/v1/users/./x', stock: true },
  { path: '/trpc/users.get?input=%7B%22id%22%3A%22x%22%7D' },
  { path: '/trpc/users.get,users.list?batch=1&input=%7B%220%22%3A%7B%22id%22%3A%22x%22%7D%7D' },
  { path: '/trpc/users.get?input=%7b%22id%22%7d&access_token=%41' },
  { path: '/api/v1/users/%2E%2E/admin', stock: true },
  { path: '/api/v1/users/.%2e/admin', stock: true },
  { path: '/api/v1/users/%2e./admin', stock: true },
  { path: '/api/v1/users/%2e', stock: true },
  { path: '/api/v1/users/%2e?x=1', stock: true },
  { path: '/api/v1/users/%2ex' },
  { path: '/api/v1/users/a%2fb%41' },
  { path: '/api/v1/users/%zz', stock: true },
  { path: '/api/v1/users/%4', stock: true },
  { path: '/api/v1/users/%', stock: true },
  { path: '/api/v1/users?next=/./x&p=%2e%2e', stock: true },
  // The query as URLSearchParams would write it back, or not (then re-serialised like the stock).
  { path: '/trpc/users.get?input=%7B%22id%22%3A%22a-b_c.d*e%22%7D&batch=1' },
  { path: '/api/v1/users?q=a+b' },
  { path: '/api/v1/users?q=%20' },
  { path: '/api/v1/users?q=%41' },
  { path: '/api/v1/users?q=%2A%2D%2E%5F' },
  { path: '/api/v1/users?q=%7b' },
  { path: '/api/v1/users?q=%E2%82%AC' },
  { path: '/api/v1/users?q=%FF' },
  { path: '/api/v1/users?q' },
  { path: '/api/v1/users?q=' },
  { path: '/api/v1/users?=x' },
  { path: '/api/v1/users?a=b=c' },
  { path: '/api/v1/users?a=1&&b=2' },
  { path: '/api/v1/users?a=1&' },
  { path: '/api/v1/users?a=1;b=2' },
  { path: '/api/v1/users?token=x' },
  { path: '/api/v1/users?%74oken=x' },
  { path: '/api/v1/users?X-Amz-Signature=abc&page=1' },
  { path: '/api/v1/users?to+ken=x&page=%3F' },
  { path: '/api/v1/users?a=(b)' },
  { path: "/api/v1/it's", stock: true },
  { path: '/api/v1/(a)*!$,;=:@~' },
  { path: '/api/v1/users', headers: { host: 'example.com' } },
  { path: '/api/v1/users', headers: { host: 'example.com:8443' } },
  { path: '/api/v1/users', headers: { host: '[::1]:8080' }, stock: true },
  { path: '/api/v1/users', headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' }, stock: true },
  { path: '/api/v1/users', headers: { 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' }, stock: true },
  { path: '/api/v1/users', headers: { forwarded: 'for=198.51.100.17;proto=https;host=api.example.com' }, stock: true },
  { path: '/api/v1/users', headers: { 'user-agent': 'curl/8.5.0' } },
  { method: 'PATCH', path: '/api/v1/users/x' },
  { method: 'PURGE', path: '/api/v1/users/x' },
  { method: 'DELETE', path: '/api/v1/users/x' },
];

describe('gateway request attributes (against instrumentation-http getIncomingRequestAttributes)', () => {
  let server: Server;
  let port: number;
  let compare: (req: IncomingMessage) => void;

  let stockCalls = 0;

  before(async () => {
    // Counts the fast path's fallbacks: http-attributes.ts calls the stock function through
    // this same module object.
    utils.getIncomingRequestAttributes = (...args) => {
      stockCalls++;
      return getIncomingRequestAttributes(...args);
    };
    server = createServer((req, res) => {
      compare(req);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    utils.getIncomingRequestAttributes = getIncomingRequestAttributes;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  for (const c of CASES) {
    it(`${c.method ?? 'GET'} ${c.path} ${JSON.stringify(c.headers ?? {})}`, async () => {
      let seen: { ours: Attributes; theirs: Attributes } | undefined;
      let fellBack = false;
      compare = (req) => {
        const before = stockCalls;
        const ours = incomingRequestAttributes(req);
        fellBack = stockCalls > before;
        seen = { ours, theirs: stock(req) };
      };
      await new Promise<void>((resolve, reject) => {
        const r = request({ host: '127.0.0.1', port, method: c.method ?? 'GET', path: c.path, headers: c.headers }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        r.on('error', reject);
        r.end();
      });
      expect(seen, 'the server saw the request').to.not.equal(undefined);
      // Same keys in the same order (the order they are encoded in), same values.
      expect(Object.entries(seen!.ours)).to.deep.equal(Object.entries(seen!.theirs));
      expect(fellBack, c.stock ? 'left to the stock function' : 'computed by the fast path').to.equal(c.stock === true);
    });
  }
});

describe('gateway request attributes: url.query without re-serialising', () => {
  const fake = (url: string) =>
    ({ method: 'GET', url, httpVersion: '1.1', headers: { host: '127.0.0.1:8080' }, socket: { remoteAddress: '127.0.0.1', remotePort: 5000 } }) as unknown as IncomingMessage;
  let calls = 0;
  before(() => {
    utils.redactQueryString = (p, r) => {
      calls++;
      return redactQueryString(p, r);
    };
  });
  after(() => {
    utils.redactQueryString = redactQueryString;
  });

  it('takes a query already written as URLSearchParams writes it as it is, and re-serialises any other', () => {
    const cases: [string, boolean][] = [
      [`/trpc/users.get?input=${encodeURIComponent(JSON.stringify({ id: '9d80730d-b7e8-4eb8-b704-c75aae817cc6' }))}`, false],
      ['/api/v1/users?limit=20&offset=0', false],
      ['/api/v1/users?q=%20', true],
      ['/api/v1/users?token=x', true],
      ['/api/v1/users?q=%E2%82%AC', true],
    ];
    for (const [url, reserialised] of cases) {
      const before = calls;
      const attrs = incomingRequestAttributes(fake(url));
      expect(calls > before, url).to.equal(reserialised);
      expect(attrs['url.query'], url).to.equal(redactQueryString(new URLSearchParams(url.slice(url.indexOf('?') + 1)), REDACTED_QUERY_PARAMS));
    }
  });
});
