import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { alternatingBlocks, openLoop, type HttpTarget } from '../../../bench/http-timing';

// A real server on loopback: records which path each request asked for, answers after `delayMs`,
// and 500 for /fail.
async function server(delayMs: number): Promise<{ url: string; seen: string[]; sockets: () => number; close(): Promise<void> }> {
  const seen: string[] = [];
  let sockets = 0;
  const s = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    setTimeout(() => {
      res.statusCode = req.url === '/fail' ? 500 : 200;
      res.end('{}');
    }, delayMs);
  });
  s.on('connection', () => sockets++);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return { url, seen, sockets: () => sockets, close: () => new Promise((resolve) => s.close(() => resolve())) };
}

const get = (url: string): HttpTarget => ({ url, method: 'GET', headers: { authorization: 'Bearer t' } });

describe('bench: HTTP request timing for the latency phase', () => {
  it('at c=1 alternates blocks between the targets, one kept-alive connection each, and times each request below the millisecond', async () => {
    const s = await server(0);
    try {
      const [a, b] = await alternatingBlocks([get(`${s.url}/a`), get(`${s.url}/b`)], 3, 7);
      expect(a!.latenciesMs).to.have.length(7);
      expect(b!.latenciesMs).to.have.length(7);
      // One untimed request each opens the connection, then blocks of 3, 3 and 1.
      expect(s.seen.join(' ')).to.equal('/a /b /a /a /a /b /b /b /a /a /a /b /b /b /a /b');
      expect(s.sockets()).to.equal(2);
      // Loopback answers in well under a millisecond: whole milliseconds would all read 0 or 1.
      expect(a!.latenciesMs.every((ms) => ms > 0 && ms < 1000)).to.equal(true);
      expect(a!.latenciesMs.some((ms) => !Number.isInteger(ms))).to.equal(true);
    } finally {
      await s.close();
    }
  });

  it('counts a failed answer as an error and does not time it', async () => {
    const s = await server(0);
    try {
      const [ok, failed] = await alternatingBlocks([get(`${s.url}/ok`), get(`${s.url}/fail`)], 2, 4);
      expect(ok).to.deep.include({ errors: 0 });
      expect(failed!.latenciesMs).to.deep.equal([]);
      expect(failed!.errors).to.equal(4);
    } finally {
      await s.close();
    }
  });

  it('at a fixed rate keeps sending on schedule while earlier requests wait for their answers (open loop)', async () => {
    // 40 requests a second for 0.5 s against a server that takes 200 ms: a closed loop on one
    // connection would send 3; this one sends all 20 within the half second.
    const s = await server(200);
    try {
      const started = Date.now();
      const timed = await openLoop(get(`${s.url}/slow`), 40, 0.5);
      const elapsed = Date.now() - started;
      expect(timed.errors).to.equal(0);
      expect(timed.latenciesMs).to.have.length(20);
      expect(Math.min(...timed.latenciesMs)).to.be.at.least(195);
      expect(elapsed).to.be.below(1500);
      expect(s.sockets()).to.be.greaterThan(1);
    } finally {
      await s.close();
    }
  });
});
