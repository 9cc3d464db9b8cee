import { expect } from 'chai';
import { parseJsonLine } from '../../scripts/stack/launch';
import type { ProcessName } from '../../scripts/stack/process-spec';
import { registerAccount, type Account } from '../support/accounts';
import { failures, loadGets } from '../support/get-load';
import { get, post, type HttpResult } from '../support/http';
import { KIND, type StoredSpan } from '../support/jaeger';
import { sharedJaeger } from '../support/shared-jaeger';
import { ATTR_PREVIOUS_ATTEMPTS } from '../../shared/telemetry/lean/lean-tracing';
import { sleep, useStack } from '../support/stack';

// Two instances each of user and auth behind one gateway, real processes and sockets: the
// callers' round_robin spreads the calls, a stopped or killed instance is routed around without
// a failed read, and every hop's span names the instance that made it.

const GETS = 300;
const CONCURRENCY = 15;

/** `rpc` log lines of `method` per `service_instance_id`, among `lines`. */
function servedBy(lines: readonly string[], method: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const record = parseJsonLine(line);
    if (record?.msg !== 'rpc' || record.rpc !== method || record.code !== 'OK') continue;
    const id = String(record.service_instance_id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

const traceIdOf = (res: HttpResult) => /^00-([0-9a-f]{32})-/.exec(res.headers.get('traceresponse') ?? '')?.[1];

describe('replicas: 2 user + 2 auth instances behind one gateway (real processes)', function () {
  this.timeout(120_000);
  const stack = useStack({ replicas: 2 });
  let alice: Account;
  const url = () => `${stack().gatewayUrl}/api/v1/users/${alice.id}`;
  const traceIds: string[] = [];

  before(async () => {
    alice = await registerAccount(stack().gatewayUrl, { name: 'Alice' });
  });

  /**
   * Sends GETs (none may fail) until a restarted instance serves one: the callers reconnect with
   * backoff (at most 2 s), so it gets calls again shortly after it is ready, not at once.
   */
  async function untilServing(name: ProcessName, index: number): Promise<void> {
    const method = name === 'user' ? '/user.v1.UserService/GetUser' : '/auth.v1.AuthService/ValidateToken';
    const from = stack().logs(name).length;
    const giveUp = Date.now() + 10_000;
    for (;;) {
      expect(failures(await loadGets(url(), alice.accessToken, 20, 4))).to.deep.equal({});
      await sleep(100);
      if ((servedBy(stack().logs(name).slice(from), method).get(`${name}-${index}`) ?? 0) > 0) return;
      if (Date.now() > giveUp) throw new Error(`${name}-${index} served nothing within 10 s of being ready again`);
    }
  }

  it('starts two instances of each service sharing one database, and gives callers an ipv4: target naming both', () => {
    expect(stack().instances('user').map((p) => p.running)).to.deep.equal([true, true]);
    expect(stack().instances('auth').map((p) => p.running)).to.deep.equal([true, true]);
    expect(stack().userAddr).to.match(/^ipv4:127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
    expect(stack().envOf('gateway').USER_SERVICE_URL).to.equal(stack().userAddr);
    expect(stack().envOf('user', 1).AUTH_SERVICE_URL).to.equal(stack().authAddr);
    expect(stack().envOf('user', 0).USER_DB_PATH).to.equal(stack().envOf('user', 1).USER_DB_PATH);
    expect(stack().envOf('auth', 1).SERVICE_INSTANCE_ID).to.equal('auth-1');
  });

  it(`spreads ${GETS} GETs (concurrency ${CONCURRENCY}) so that each instance serves at least 30% of its service's calls`, async () => {
    const userFrom = stack().logs('user').length;
    const authFrom = stack().logs('auth').length;
    const results = await loadGets(url(), alice.accessToken, GETS, CONCURRENCY);
    expect(failures(results)).to.deep.equal({});
    for (const r of results) if (traceIdOf(r)) traceIds.push(traceIdOf(r)!);
    await sleep(300); // the last rpc lines
    const cases: Array<[ProcessName, string, number]> = [
      ['user', '/user.v1.UserService/GetUser', userFrom],
      ['auth', '/auth.v1.AuthService/ValidateToken', authFrom],
    ];
    for (const [name, method, from] of cases) {
      const counts = servedBy(stack().logs(name).slice(from), method);
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      expect(total, `${method} calls served`).to.equal(GETS);
      for (const id of [`${name}-0`, `${name}-1`]) {
        expect(counts.get(id) ?? 0, `${method} served by ${id} of ${total}`).to.be.at.least(0.3 * total);
      }
    }
  });

  it('names all four instances in the traces of the run (service.instance.id of each hop)', async () => {
    const jaeger = await sharedJaeger();
    const seen = new Set<string>();
    for (const traceId of traceIds.slice(0, 40)) {
      const spans = await jaeger.getTrace(traceId, (s) => s.some((x) => x.service === 'auth-service'));
      for (const span of spans) if (span.service !== 'gateway' && span.instance) seen.add(span.instance);
      if (seen.size === 4) break;
    }
    expect([...seen].sort()).to.deep.equal(['auth-0', 'auth-1', 'user-0', 'user-1']);
  });

  it('fails no GET while one user instance drains (SIGTERM) and none once it is back', async () => {
    let stopped: Promise<number | null> | undefined;
    const results = await loadGets(url(), alice.accessToken, 200, CONCURRENCY, (done) => {
      if (done === 50) stopped = stack().stopService('user', 1);
    });
    expect(await stopped).to.equal(0);
    expect(failures(results)).to.deep.equal({});
    await stack().startService('user', 1);
    await untilServing('user', 1);
  });

  it('fails no GET when one user and one auth instance are killed (SIGKILL) under load, and the retried hops show in their traces', async () => {
    let killed: Promise<unknown> | undefined;
    const results = await loadGets(url(), alice.accessToken, GETS, CONCURRENCY, (done) => {
      if (done === 100) killed = Promise.all([stack().killService('user', 1), stack().killService('auth', 1)]);
    });
    await killed;
    expect(stack().instances('user')[1]!.exitInfo?.signal).to.equal('SIGKILL');
    expect(stack().instances('auth')[1]!.exitInfo?.signal).to.equal('SIGKILL');
    expect(results).to.have.length(GETS);
    expect(failures(results)).to.deep.equal({});
    // The calls in flight on the killed instances were retried: in their traces one CLIENT span
    // per call covers the attempts, and the SERVER span that answered says it was a retry.
    const jaeger = await sharedJaeger();
    let retried: StoredSpan[] | undefined;
    await sleep(1_000); // every process exports within OTEL_BSP_SCHEDULE_DELAY (200 ms)
    for (const res of results.slice(80, 160)) {
      // A killed instance never exports its spans: do not wait for a complete trace.
      const spans = await jaeger.getTrace(traceIdOf(res)!, (x) => x.some((span) => span.service === 'gateway'), 2_000);
      if (spans.some((span) => span.kind === KIND.SERVER && Number(span.attributes[ATTR_PREVIOUS_ATTEMPTS] ?? 0) >= 1)) {
        retried = spans;
        break;
      }
    }
    expect(retried, 'a trace with a retried hop').to.not.equal(undefined);
    const server = retried!.find((span) => span.kind === KIND.SERVER && Number(span.attributes[ATTR_PREVIOUS_ATTEMPTS] ?? 0) >= 1)!;
    const clients = retried!.filter((span) => span.kind === KIND.CLIENT && span.name === server.name);
    expect(clients, `one CLIENT span for ${server.name}`).to.have.length(1);
    expect(server.parentSpanId).to.equal(clients[0]!.spanId);
    expect(server.instance).to.match(/^(user|auth)-0$/);
    await stack().startService('user', 1);
    await stack().startService('auth', 1);
    await untilServing('user', 1);
    await untilServing('auth', 1);
  });

  it('shares one SQLite file per service across instances: concurrent registrations all land and every instance reads them', async () => {
    const registrations = await Promise.all(Array.from({ length: 12 }, (_, i) => registerAccount(stack().gatewayUrl, { name: `Concurrent ${i}` })));
    const userFrom = stack().logs('user').length;
    for (const account of registrations) {
      for (let i = 0; i < 2; i++) {
        expect((await get(`${stack().gatewayUrl}/api/v1/users/${account.id}`, { token: alice.accessToken })).status).to.equal(200);
      }
    }
    await sleep(300);
    const readers = servedBy(stack().logs('user').slice(userFrom), '/user.v1.UserService/GetUser');
    expect([...readers.keys()].sort(), 'both user instances read the rows').to.deep.equal(['user-0', 'user-1']);
  });

  // Two instances' transactions on one SQLite file: with a deferred `BEGIN` a transaction that
  // reads and then writes got SQLITE_BUSY at once when the other process wrote in between (3 of 3
  // runs failed); shared/db begins SQLite transactions `BEGIN IMMEDIATE`, so they queue instead.
  it('rotates a refresh token exactly once under 20 concurrent refreshes spread over both auth instances', async () => {
    const bob = await registerAccount(stack().gatewayUrl, { name: 'Bob' });
    const refreshes = await Promise.all(
      Array.from({ length: 20 }, () => post(`${stack().gatewayUrl}/api/v1/auth/refresh`, { refreshToken: bob.refreshToken })),
    );
    const statuses = refreshes.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200), JSON.stringify(statuses)).to.have.length(1);
    expect(statuses.filter((s) => s !== 200 && s !== 401), JSON.stringify(statuses)).to.deep.equal([]);
  });
});
