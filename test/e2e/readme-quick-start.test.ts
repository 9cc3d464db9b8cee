// The README's quick start, run as written against a fresh `npm start`: the commands are read from
// README.md (the blocks marked `<!-- quick-start-test -->`), so the docs and this test cannot drift.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../shared/paths';
import { runBash, startNpmStart, type NpmStart } from '../support/npm-start';
import { readmeQuickStartBlocks } from '../support/readme';
import { startJsEnv } from '../support/start-env';

describe('README quick start, run as written against a fresh npm start', function () {
  this.timeout(120_000);
  let dataDir: string;
  let gatewayPort: number;
  let stack: NpmStart | undefined;

  before(async function () {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
    const placed = await startJsEnv(dataDir);
    gatewayPort = placed.gatewayPort;
    // Other ports for everything, so a developer's stack and the suite's own Jaeger are left alone.
    stack = await startNpmStart({ root: projectRoot, env: process.env, placed: { ...placed.env, NODE_ENV: 'development' }, dataDir, timeoutMs: 60_000 });
  });

  after(async function () {
    await stack?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') process.stderr.write(`\nnpm start output:\n${stack?.lines.slice(-60).join('\n')}\n`);
  });

  it('registers (201), logs in (tokens), GETs the user (200 + traceresponse), and npm run trace shows that trace across the three services', async () => {
    const blocks = readmeQuickStartBlocks();
    expect(blocks, 'README blocks marked quick-start-test').to.have.length(2);
    expect(blocks.join('\n')).to.include('localhost:8080');
    // The README's port is the default; this stack is elsewhere. Everything else runs verbatim.
    const commands = blocks.map((b) => b.replaceAll('localhost:8080', `localhost:${gatewayPort}`));
    const script = [
      'set -euo pipefail',
      // A reader runs `npm run trace` seconds after the GET, and again if Jaeger has not got
      // the spans yet (exit 1); this does the same, within 20 s.
      'npm() { if [[ "${1:-} ${2:-}" == "run trace" ]]; then sleep 2; local i rc; for i in $(seq 1 20); do rc=0; command npm "$@" || rc=$?; [[ $rc -eq 1 ]] || return $rc; sleep 1; done; return 1; fi; command npm "$@"; }',
      ...commands.flatMap((block, i) => [`printf '\\n@@block ${i}\\n'`, block]),
      `printf '\\n@@vars TOKEN=%s ME=%s TRACE=%s\\n' "$TOKEN" "$ME" "$TRACE"`,
    ].join('\n');

    const { code, stdout, stderr } = await runBash(script, projectRoot, stack!.env);
    expect(code, `exit code; stderr:\n${stderr}\nstdout:\n${stdout}`).to.equal(0);
    const [, first = '', second = ''] = stdout.split(/\n@@block \d+\n/);
    const vars = /@@vars TOKEN=(\S*) ME=(\S*) TRACE=(\S*)/.exec(stdout);
    expect(vars, stdout).not.to.equal(null);
    const [, token, me, trace] = vars!;

    // Two responses are printed in the first block (curl -si): the registration's, then the GET's.
    const statusLines = [...first.matchAll(/HTTP\/1\.1 (\d{3}) /g)];
    expect(statusLines.map((m) => m[1]), first).to.deep.equal(['201', '200']);
    const [registration, getUser] = [first.slice(statusLines[0]!.index, statusLines[1]!.index), first.slice(statusLines[1]!.index)];
    // Register: 201 with the user and a token pair.
    const registered = JSON.parse(registration.slice(registration.indexOf('{')));
    expect(registered.user.email).to.equal('ada@example.com');
    expect(registered.accessToken).to.be.a('string');
    expect(registered.refreshToken).to.be.a('string');
    // Login: 200 with an access token (the login's body only feeds TOKEN, and /auth/me ME).
    expect(token, 'TOKEN from the login').to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(me, 'ME from /auth/me').to.equal(registered.user.id);
    // The GET: 200 with a traceresponse header.
    expect(getUser).to.match(/^traceresponse: 00-[0-9a-f]{32}-[0-9a-f]{16}-01\r?$/m);
    // The trace block: TRACE from the second GET's header, and its waterfall across the three services.
    expect(trace).to.match(/^[0-9a-f]{32}$/);
    expect(second).to.match(new RegExp(`^trace ${trace}: \\d+ spans, 3 services \\(gateway, user-service, auth-service\\)`, 'm'));
    for (const span of ['GET /api/v1/users/:id', 'trpc users.get', 'grpc.user.v1.UserService/GetUser', 'grpc.auth.v1.AuthService/ValidateToken', 'SELECT credentials', 'SELECT users']) {
      expect(second, span).to.include(span);
    }
  });
});
