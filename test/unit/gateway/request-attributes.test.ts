// The gateway's fast request attributes against the stock http instrumentation's function, on
// real requests over a socket: the same attributes for every shape of request.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Attributes } from '@opentelemetry/api';
import { expect } from 'chai';
import { incomingRequestAttributes } from '../../../gateway/request-attributes';
import { REDACTED_QUERY_PARAMS } from '../../../shared/telemetry/untraced';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getIncomingRequestAttributes } = require('@opentelemetry/instrumentation-http/build/src/utils') as {
  getIncomingRequestAttributes: (req: IncomingMessage, options: object, logger: object) => Attributes;
};
const stock = (req: IncomingMessage) =>
  getIncomingRequestAttributes(req, { component: 'http', redactedQueryParams: REDACTED_QUERY_PARAMS, enableSyntheticSourceDetection: false }, { verbose: () => undefined });

interface Case {
  method?: string;
  path: string;
  headers?: Record<string, string>;
}

const CASES: Case[] = [
  { path: '/api/v1/users/3f2b6c1e-8a4d-4f7e-9c1a-2b3c4d5e6f70' },
  { path: '/api/v1/users?limit=20&offset=0' },
  { path: '/api/v1/users?access_token=secret&page=2&token=x' },
  { path: '/api/v1/users?' },
  { path: '/api/v1/users?q=a+b&r=c%20d' },
  { path: '/api/v1/users/%2e%2e/admin' },
  { path: '/api/v1/users/../admin' },
  { path: '/api/v1/users/./x' },
  { path: '/trpc/users.get?input=%7B%22id%22%3A%22x%22%7D' },
  { path: "/api/v1/it's" },
  { path: '/api/v1/(a)*!$,;=:@~' },
  { path: '/api/v1/users', headers: { host: 'example.com' } },
  { path: '/api/v1/users', headers: { host: 'example.com:8443' } },
  { path: '/api/v1/users', headers: { host: '[::1]:8080' } },
  { path: '/api/v1/users', headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' } },
  { path: '/api/v1/users', headers: { 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' } },
  { path: '/api/v1/users', headers: { forwarded: 'for=198.51.100.17;proto=https;host=api.example.com' } },
  { path: '/api/v1/users', headers: { 'user-agent': 'curl/8.5.0' } },
  { method: 'PATCH', path: '/api/v1/users/x' },
  { method: 'PURGE', path: '/api/v1/users/x' },
  { method: 'DELETE', path: '/api/v1/users/x' },
];

describe('gateway request attributes (against instrumentation-http getIncomingRequestAttributes)', () => {
  let server: Server;
  let port: number;
  let compare: (req: IncomingMessage) => void;

  before(async () => {
    server = createServer((req, res) => {
      compare(req);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  for (const c of CASES) {
    it(`${c.method ?? 'GET'} ${c.path} ${JSON.stringify(c.headers ?? {})}`, async () => {
      let seen: { ours: Attributes; theirs: Attributes } | undefined;
      compare = (req) => {
        seen = { ours: incomingRequestAttributes(req), theirs: stock(req) };
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
    });
  }
});
