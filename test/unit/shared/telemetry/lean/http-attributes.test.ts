// The gateway's fast request attributes against what auto mode records, on real requests over a
// socket: the stock http instrumentation's function with the instrumentation's own options (its
// startIncomingSpanHook, shared/telemetry/edge-attributes.ts), then the client address the
// gateway resolved (auto-tracing.ts). The same attributes for every shape of request.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Attributes } from '@opentelemetry/api';
import { expect } from 'chai';
import { HTTP_OPTIONS } from '../../../../../shared/telemetry/instrumentations';
import { incomingRequestAttributes } from '../../../../../shared/telemetry/lean/http-attributes';

// The module object shared/telemetry/lean/http-attributes.ts calls the stock function through: the
// tests wrap it to see which requests the fast path leaves to it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const utils = require('@opentelemetry/instrumentation-http/build/src/utils') as {
  getIncomingRequestAttributes: (req: IncomingMessage, options: object, logger: object) => Attributes;
};
const { getIncomingRequestAttributes } = utils;

/** What auto mode's span holds once the gateway handed it `clientAddress`, undefined values left out (a span drops them). */
function autoMode(req: IncomingMessage, clientAddress: string | undefined): Attributes {
  const hookAttributes = HTTP_OPTIONS.startIncomingSpanHook!(req);
  const attributes = getIncomingRequestAttributes(req, { component: 'http', hookAttributes, enableSyntheticSourceDetection: false }, { verbose: () => undefined });
  if (clientAddress !== undefined) attributes['client.address'] = clientAddress;
  return recorded(attributes);
}

/** The attributes a span keeps, by name. */
const recorded = (attributes: Attributes): Attributes =>
  Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));

interface Case {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** The client address the gateway resolved (its trust rules), handed to tracing. */
  clientAddress?: string;
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
  { path: '/api/v1/users?next=/./x&p=%2e%2e' },
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
  { path: '/api/v1/users', headers: { host: '[::1]' }, stock: true },
  { path: '/api/v1/users', headers: { host: 'example.com:' }, stock: true },
  // Forwarded headers change nothing: addresses come from the socket, the Host header and the
  // gateway's resolver.
  { path: '/api/v1/users', headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' } },
  { path: '/api/v1/users', headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' }, clientAddress: '203.0.113.7' },
  { path: '/api/v1/users', headers: { 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' } },
  { path: '/api/v1/users', headers: { forwarded: 'for=198.51.100.17;proto=https;host=api.example.com' } },
  { path: '/api/v1/users/%2e', headers: { forwarded: 'for=198.51.100.17;host=api.example.com' }, stock: true },
  { path: '/api/v1/users/%2e', headers: { 'x-forwarded-for': '10.0.0.5' }, clientAddress: '10.0.0.5', stock: true },
  // A query never changes the path's treatment.
  { path: "/trpc/auth.login?input=%7B%22password%22%3A%22it's%22%7D" },
  { path: '/api/v1/users?q=%zz#frag' },
  { path: '/api/v1/users', headers: { 'user-agent': 'curl/8.5.0' } },
  { method: 'PATCH', path: '/api/v1/users/x' },
  { method: 'PURGE', path: '/api/v1/users/x' },
  { method: 'DELETE', path: '/api/v1/users/x' },
];

describe('gateway request attributes (against auto mode: getIncomingRequestAttributes with its startIncomingSpanHook)', () => {
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
    it(`${c.method ?? 'GET'} ${c.path} ${JSON.stringify(c.headers ?? {})} ${c.clientAddress ?? ''}`, async () => {
      let seen: { ours: Attributes; theirs: Attributes } | undefined;
      let fellBack = false;
      compare = (req) => {
        const before = stockCalls;
        const ours = incomingRequestAttributes(req, c.clientAddress);
        fellBack = stockCalls > before;
        seen = { ours: recorded(ours), theirs: autoMode(req, c.clientAddress) };
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
      expect(seen!.ours).to.deep.equal(seen!.theirs);
      // Never the query, never an address a forwarded header names.
      expect(seen!.ours).to.not.have.any.keys('url.query', 'url.full', 'http.target');
      expect(seen!.ours['client.address']).to.equal(c.clientAddress ?? '127.0.0.1');
      expect(JSON.stringify(seen!.ours)).to.not.match(/198\.51\.100\.17|api\.example\.com/);
      expect(fellBack, c.stock ? 'left to the stock function' : 'computed by the fast path').to.equal(c.stock === true);
    });
  }
});

describe('gateway request attributes: nothing of the query string', () => {
  const fake = (url: string, clientAddress?: string) =>
    incomingRequestAttributes(
      { method: 'GET', url, httpVersion: '1.1', headers: { host: '127.0.0.1:8080' }, socket: { remoteAddress: '127.0.0.1', remotePort: 5000 } } as unknown as IncomingMessage,
      clientAddress,
    );

  it('records no query value under any name, nor the names', () => {
    const secret = 'hunter2-Secret-Value';
    for (const name of ['password', 'Password', 'pwd', 'passwd', 'ACCESS_TOKEN', 'jwt', 'bearer', 'input', 'page']) {
      for (const url of [`/api/v1/users?${name}=${secret}`, `/trpc/auth.login?${name}=${encodeURIComponent(JSON.stringify({ password: secret }))}`, `/x?${secret}`]) {
        const text = JSON.stringify(recorded(fake(url)));
        expect(text, url).to.not.include(secret).and.not.include('hunter2');
        expect(recorded(fake(url)), url).to.not.have.any.keys('url.query');
      }
    }
  });

  it('records the client address handed to it, else the socket peer', () => {
    expect(fake('/a')['client.address']).to.equal('127.0.0.1');
    expect(fake('/a', '203.0.113.9')['client.address']).to.equal('203.0.113.9');
  });
});
