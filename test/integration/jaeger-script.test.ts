import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { freeJaegerPorts, jaegerEnv, jaegerUrls } from '../../scripts/stack/jaeger-process';
import { projectRoot } from '../../shared/paths';

const run = promisify(execFile);
const script = path.join(projectRoot, 'scripts/jaeger.sh');

/** Whether anything answers `url` within a second. */
async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

describe('scripts/jaeger.sh on other ports', function () {
  this.timeout(60_000);
  let stateDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jaeger-sh-'));
  });
  after(async () => {
    if (env) await run('bash', [script, 'stop'], { env }).catch(() => undefined);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts on the JAEGER_*_PORT ports, says which, keeps its pid and log in JAEGER_STATE_DIR, and stops', async () => {
    const ports = await freeJaegerPorts();
    const urls = jaegerUrls(ports);
    env = { ...process.env, ...jaegerEnv(ports), JAEGER_STATE_DIR: stateDir };

    const { stdout } = await run('bash', [script, 'start'], { env });
    expect(stdout).to.include(`API and UI placeholder at ${urls.queryUrl},`);
    expect(stdout).to.include(`OTLP on ${ports.JAEGER_OTLP_GRPC_PORT}/${ports.JAEGER_OTLP_HTTP_PORT}, Jaeger thrift on ${ports.JAEGER_THRIFT_HTTP_PORT};`);
    expect(stdout).to.include(`log ${path.join(stateDir, 'jaeger.log')}`);
    expect(stdout).not.to.match(/\b(4317|4318|14268|16686)\b/);
    expect(await answers(urls.healthUrl)).to.equal(true);
    expect(await answers(`${urls.queryUrl}/api/v3/services`)).to.equal(true);
    expect(fs.existsSync(path.join(stateDir, 'jaeger.pid'))).to.equal(true);

    expect((await run('bash', [script, 'status'], { env })).stdout).to.equal(`[jaeger] running: ${urls.queryUrl}\n`);
    expect((await run('bash', [script, 'stop'], { env })).stdout).to.equal('[jaeger] stopped\n');
    let down = false;
    for (let i = 0; i < 50 && !down; i++) {
      down = !(await answers(urls.healthUrl));
      if (!down) await new Promise((r) => setTimeout(r, 100));
    }
    expect(down, 'health check still answers after stop').to.equal(true);
  });
});
