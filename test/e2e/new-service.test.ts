// `npm run new:service`, run as docs/extending.md says (its block marked `<!-- new-service-test -->`)
// in a throwaway copy of the repository: the generated service passes buf lint, the gen/ check,
// the type check and its own tests, and `npm start` runs it, one trace from the gateway through it
// to the auth service.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { namesFor } from '../../scripts/new-service/plan';
import { fetchTrace } from '../../scripts/trace/jaeger-query';
import type { StoredSpan } from '../../scripts/trace/otlp-trace';
import { projectRoot } from '../../shared/paths';
import { GOOD_PASSWORD } from '../support/accounts';
import { get, post } from '../support/http';
import { runBash, startNpmStart, type NpmStart } from '../support/npm-start';
import { markedCodeBlocks } from '../support/readme';
import { copyRepository, snapshot } from '../support/repository-copy';
import { sleep } from '../support/stack';
import { expectOneTrace, traceIdOf } from '../support/trace-shape';
import { unusedServiceName } from '../support/service-name';

/** Runs `script` with bash in `cwd`; resolves with its exit code and everything it printed. */
async function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const { code, stdout, stderr } = await runBash(script, cwd, env);
  return { code, output: `${stdout}${stderr}` };
}

// The block is run with this name in place of the docs' `orders` when the repository has that already.
const NAME = unusedServiceName();
const { Name, Entity } = namesFor(NAME, []);

describe('npm run new:service, as docs/extending.md runs it, in a throwaway copy', function () {
  this.timeout(15 * 60_000);
  let copy: string;
  let env: NodeJS.ProcessEnv;
  const block = markedCodeBlocks(fs.readFileSync(path.join(projectRoot, 'docs/extending.md'), 'utf8'), '<!-- new-service-test');

  before(async () => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'new-service-'));
    copyRepository(copy);
    // The copy's suite and stack choose their own ports; nothing of this run's leaks into them.
    env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(OTEL_|TRACING_|JAEGER_|MOCHA)/.test(key)));
    const built = await bash('npm run --silent build', copy, env);
    expect(built.code, built.output).to.equal(0);
  });

  after(() => {
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  });

  it('docs/extending.md has the one block this test runs', () => {
    expect(block).to.have.length(1);
    expect(block[0]).to.match(/^npm run new:service -- orders$/m);
  });

  for (const [name, why] of [
    ['users', /"users" exists: .*tRPC router/],
    ['user', /"user" exists: it is a process/],
    ['Orders', /not a valid service name: use 2 to 30 lower-case letters and digits/],
    ['order-items', /not a valid service name/],
    ['class', /"class" is reserved/],
  ] as const) {
    it(`refuses "${name}", saying why, and changes nothing`, async () => {
      const before = snapshot(copy);
      const run = await bash(`bash scripts/node.sh node dist/scripts/new-service.js ${name}`, copy, env);
      expect(run.code, run.output).to.equal(1);
      expect(run.output).to.match(why).and.to.include('nothing was changed');
      expect(snapshot(copy)).to.deep.equal(before);
    });
  }

  it(`generates ${NAME}: buf lint, the gen/ check, the type check and its own tests pass`, async () => {
    // Every command of the block but the last, `npm start`, which runs until stopped: the next test starts it.
    const commands = block[0]!
      .replaceAll('orders', NAME)
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('npm start'));
    const run = await bash(['set -euo pipefail', ...commands].join('\n'), copy, env);
    expect(run.code, run.output.slice(-6000)).to.equal(0);
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(run.output);
    expect(summary, run.output.slice(-3000)).to.not.equal(null);
    expect(Number(summary![1]), 'the generated tests (unit, and integration on SQLite and PostgreSQL)').to.be.at.least(14);
    expect(Number(summary![2])).to.equal(0);
    // And once generated, the name is taken.
    const again = await bash(`bash scripts/node.sh node dist/scripts/new-service.js ${NAME}`, copy, env);
    expect(again.code).to.equal(1);
    expect(again.output).to.include(`"${NAME}" exists`);
  });

  describe('npm start with the new service', () => {
    let stack: NpmStart | undefined;
    let gatewayUrl: string;

    before(async function () {
      // The copy's own helper places every process of its (longer) process list on free ports.
      const { startJsEnv } = require(path.join(copy, 'dist/test/support/start-env.js')) as typeof import('../support/start-env');
      const placed = await startJsEnv(path.join(copy, '.data'));
      expect(placed.env, 'the copy places the new service').to.have.property(`${NAME.toUpperCase()}_SERVICE_PORT`);
      gatewayUrl = `http://127.0.0.1:${placed.gatewayPort}`;
      // A FAULTS rule naming the new service's method, as its config.yaml shows: every process
      // must accept it (a refused rule stops the stack before the banner).
      const faults = `${NAME}.v1.${Name}Service/Create${Entity}:delay=1ms`;
      stack = await startNpmStart({ root: copy, env: { ...env, FAULTS: faults }, placed: placed.env, dataDir: path.join(copy, '.data'), timeoutMs: 90_000 });
    });

    after(async () => {
      await stack?.stop();
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') process.stderr.write(`\nnpm start output:\n${stack?.lines.slice(-80).join('\n')}\n`);
    });

    it(`starts ${NAME} after auth, and the gateway last, with a FAULTS rule for one of its methods`, () => {
      const started = stack!.lines.map((l) => /^\[start\]\s+(\w+) started \(pid/.exec(l)?.[1]).filter(Boolean);
      expect(started[0]).to.equal('auth');
      expect(started.slice(-2)).to.deep.equal([NAME, 'gateway']);
    });

    it(`answers POST 201 and GET 200/404, and the GET is one trace over gateway, ${NAME}-service and auth-service with no orphan span`, async () => {
      const email = `${NAME}-${crypto.randomUUID()}@example.com`;
      const registered = await post(`${gatewayUrl}/api/v1/auth/register`, { email, password: GOOD_PASSWORD, name: Name });
      expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
      const token = registered.body.accessToken as string;

      const created = await post(`${gatewayUrl}/api/v1/${NAME}`, { name: 'First one' }, { token });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(Object.keys(created.body).sort()).to.deep.equal(['createdAt', 'id', 'name']);
      // The FAULTS rule reached the new service: its rpc log line of the create carries the delay.
      const createRpc = `"rpc":"/${NAME}.v1.${Name}Service/Create${Entity}"`;
      let createLine: string | undefined;
      for (const until = Date.now() + 5_000; !createLine && Date.now() < until; await sleep(100)) createLine = stack!.lines.find((l) => l.includes(createRpc));
      expect(createLine, `no ${createRpc} log line`).to.include('"fault":{"delay_ms":1}');
      const missing = await get(`${gatewayUrl}/api/v1/${NAME}/${crypto.randomUUID()}`, { token });
      expect(missing.status).to.equal(404);
      const read = await get(`${gatewayUrl}/api/v1/${NAME}/${created.body.id}`, { token });
      expect(read.status).to.equal(200);
      expect(read.body).to.deep.equal(created.body);

      const traceId = traceIdOf(read.headers);
      const services = ['gateway', `${NAME}-service`, 'auth-service'];
      let spans: StoredSpan[] = [];
      for (const until = Date.now() + 20_000; Date.now() < until; await sleep(250)) {
        spans = await fetchTrace(stack!.jaegerUrl, traceId).catch(() => []);
        if (services.every((s) => spans.some((span) => span.service === s))) break;
      }
      expectOneTrace(spans, traceId, services);
      expect(spans.map((s) => s.name)).to.include.members([
        `GET /api/v1/${NAME}/:id`,
        `trpc ${NAME}.get`,
        `grpc.${NAME}.v1.${Name}Service/Get${Entity}`,
        `Get${Entity}`,
        'grpc.auth.v1.AuthService/ValidateToken',
      ]);
    });
  });
});
