import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { freeJaegerPorts, jaegerEnv, jaegerUrls } from '../../scripts/stack/jaeger-process';
import { sleep } from './stack';

/** What a bash script printed, and how it exited. */
export interface BashResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` in one bash session in `cwd` (variables carry from line to line). */
export function runBash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<BashResult> {
  return new Promise((resolve, reject) => {
    // npm keeps an INIT_CWD it inherits: the one of the `npm test` running this suite would make
    // `npm test -- <path>` in the other checkout resolve its paths against this one.
    const { INIT_CWD: _outer, ...own } = env;
    const child = spawn('bash', ['-c', script], { cwd, env: own, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A running `npm start` of some checkout, on ports of its own. */
export interface NpmStart {
  /** Every line it printed so far, its children's included. */
  lines: string[];
  /** The environment it runs with (its ports, its Jaeger's), for commands run beside it. */
  env: NodeJS.ProcessEnv;
  /** Its own Jaeger's query URL. */
  jaegerUrl: string;
  /** Stops it as Ctrl-C does (killed if it takes longer than 30 s), and the Jaeger it started. */
  stop(): Promise<void>;
}

/**
 * Runs `node dist/scripts/start.js` (what `npm start` runs after its build) in the checkout at
 * `root` as a reader would, moved off the default ports as docs/configuration.md says: `placed`
 * puts every process on free ports (that checkout's startJsEnv, test/support/start-env.ts), and
 * its Jaeger gets free ports and its own state under `dataDir`. Resolves once the banner is out;
 * throws with the output if it exits or `timeoutMs` passes first.
 */
export async function startNpmStart(options: { root: string; env: NodeJS.ProcessEnv; placed: Record<string, string>; dataDir: string; timeoutMs: number }): Promise<NpmStart> {
  const ports = await freeJaegerPorts();
  const urls = jaegerUrls(ports);
  const env = {
    ...options.env,
    ...options.placed,
    ...jaegerEnv(ports),
    JAEGER_STATE_DIR: path.join(options.dataDir, 'jaeger'),
    TRACING_COLLECTOR_URL: urls.otlpHttpUrl,
    JAEGER_URL: urls.queryUrl,
  };
  const lines: string[] = [];
  const child = spawn(process.execPath, ['dist/scripts/start.js'], { cwd: options.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      if ((await Promise.race([exited, sleep(30_000).then(() => 'timeout' as const)])) === 'timeout') child.kill('SIGKILL');
    }
    // The Jaeger it started stops with it; this is for a launcher that did not get that far.
    await runBash('bash scripts/jaeger.sh stop >/dev/null', options.root, env);
  };
  const giveUp = Date.now() + options.timeoutMs;
  // The banner's last line says all of it is out.
  while (!lines.some((l) => l.includes('press Ctrl-C to stop'))) {
    if (child.exitCode !== null || Date.now() > giveUp) {
      await stop();
      throw new Error(`npm start did not come up:\n${lines.join('\n')}`);
    }
    await sleep(100);
  }
  return { lines, env, jaegerUrl: urls.queryUrl, stop };
}
