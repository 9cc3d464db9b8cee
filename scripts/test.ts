// `npm test [-- <test file or folder...>] [-- mocha flags]`: the whole suite as .mocharc.json says,
// or only the files named, with the same root hooks (the secrets audit, the shared Jaeger, the
// PostgreSQL cluster), reporter and timeouts. Runs after `npm run build`, so a test is named by its
// source (`test/integration/launcher.test.ts`) and runs from dist/ as JavaScript. First it has
// scripts/tools.sh build the Go tools those tests need and .tools/ lacks: all of them for the
// whole suite, none for unit tests (TOOLS_FOR_TESTS).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../shared/paths';

/**
 * Set (to `1`) in mocha's environment when only named files run: the closing secrets audit then
 * skips its floors for a whole suite's traffic (test/support/secrets-audit.ts), as under --grep.
 */
export const NAMED_FILES_ONLY_ENV = 'TEST_NAMED_FILES_ONLY';

/** The subset of .mocharc.json this runner reads: every key is a mocha flag, `spec` the files. */
export type MochaRc = Record<string, string | number | boolean | string[]>;

/** A named test the build did not produce, or a path that is not under test/ or dist/test/. */
export class TestPathError extends Error {}

/**
 * The compiled spec(s) for one path the user gave, relative to the project root: a `.ts` file
 * under test/ becomes its `.js` under dist/test/, a folder every `*.test.js` below it in dist/;
 * a path already under dist/test/ is kept. `isDir` tells a folder from a file.
 */
export function compiledSpec(relPath: string, isDir: (p: string) => boolean): string {
  const p = relPath.split(path.sep).join('/').replace(/\/+$/, '');
  const inDist = p.startsWith('dist/test/') || p === 'dist/test';
  if (!inDist && !(p.startsWith('test/') || p === 'test')) {
    throw new TestPathError(`${relPath}: not a test (tests live under test/)`);
  }
  const dist = inDist ? p : `dist/${p}`;
  if (isDir(p) || isDir(dist)) return `${dist}/**/*.test.js`;
  if (dist.endsWith('.ts')) return `${dist.slice(0, -'.ts'.length)}.js`;
  return dist;
}

/** Whether a command-line word names a test file or folder (rather than a mocha flag or its value). */
export function looksLikeTestPath(word: string): boolean {
  return !word.startsWith('-') && /(^|\/)(dist\/)?test(\/|$)|\.test\.(ts|js)$/.test(word);
}

/** Where test paths were typed and how to look at them: see {@link mochaArgs}. */
export interface PathOptions {
  cwd: string;
  root: string;
  exists: (p: string) => boolean;
  isDir: (p: string) => boolean;
}

/** The compiled specs ({@link compiledSpec}) of the test paths among a command line's words; none for the whole suite. */
export function namedSpecs(args: readonly string[], opts: PathOptions): string[] {
  return args.filter(looksLikeTestPath).map((p) => {
    // From where it was typed when it is there (`npm test -- x.test.ts` in test/unit/...), else
    // from the root, where npm runs this.
    const typed = path.resolve(opts.cwd, p);
    const rel = path.relative(opts.root, opts.exists(typed) ? typed : path.resolve(opts.root, p));
    return compiledSpec(rel, (q) => opts.isDir(path.join(opts.root, q)));
  });
}

/**
 * mocha's arguments for this runner's. Without a test path: the arguments unchanged, so mocha
 * reads .mocharc.json, spec included (the full suite). With paths: `--no-config` (mocha would add
 * the config's spec to the ones given) and every other key of `mocharc` as a flag, then the
 * remaining flags, then the compiled specs. `cwd` is where relative paths were typed
 * (npm's INIT_CWD), `root` the project root; `exists` and `isDir` look at the file system.
 */
export function mochaArgs(args: string[], mocharc: MochaRc, opts: PathOptions): string[] {
  const specs = namedSpecs(args, opts);
  if (specs.length === 0) return args;
  const flags = args.filter((a) => !looksLikeTestPath(a));
  const fromConfig = Object.entries(mocharc).flatMap(([key, value]): string[] => {
    if (key === 'spec') return [];
    if (value === true) return [`--${key}`];
    if (value === false) return [`--no-${key}`];
    if (Array.isArray(value)) return value.flatMap((v) => [`--${key}`, v]);
    return [`--${key}`, String(value)];
  });
  return ['--no-config', ...fromConfig, ...flags, ...specs];
}

const GO_TOOLS = ['jaeger', 'ghz', 'otelcol-lb'] as const;

/** A Go tool scripts/tools.sh builds that a test can need. */
export type GoTool = (typeof GO_TOOLS)[number];

/**
 * The Go tools the tests under a path need, by source path: for each test file the first entry
 * whose path starts it decides. Unit tests need none (one validates configs with the real
 * binaries); every other test runs processes that export to the shared Jaeger or runs `npm
 * start`, which builds Jaeger and ghz when missing (too slow inside a test's timeout); the
 * collector tier's load balancer only where `--collector N` or the tier itself runs. A test
 * missing here fails naming the tool (`... is missing: run scripts/tools.sh ...`).
 */
export const TOOLS_FOR_TESTS: ReadonlyArray<{ path: string; tools: readonly GoTool[] }> = [
  { path: 'test/unit/deploy/jaeger-config.test.ts', tools: ['jaeger', 'otelcol-lb'] },
  { path: 'test/unit/', tools: [] },
  { path: 'test/integration/launcher.test.ts', tools: ['jaeger', 'ghz', 'otelcol-lb'] },
  { path: 'test/e2e/collector-', tools: ['jaeger', 'ghz', 'otelcol-lb'] },
  { path: 'test/', tools: ['jaeger', 'ghz'] },
];

/**
 * scripts/tools.sh's arguments for the named tests' compiled specs ({@link namedSpecs}): `all` for
 * the whole suite (no spec), else the union of {@link TOOLS_FOR_TESTS} over the specs, a folder
 * counting every entry inside it as well as its own (empty: nothing to build).
 */
export function toolsFor(specs: readonly string[]): string[] {
  if (specs.length === 0) return ['all'];
  const needed = new Set<GoTool>();
  for (const spec of specs) {
    const source = spec.slice('dist/'.length);
    const folder = source.endsWith('/**/*.test.js') ? source.slice(0, -'**/*.test.js'.length) : undefined;
    const file = folder ?? source.replace(/\.js$/, '.ts');
    const own = TOOLS_FOR_TESTS.find((e) => file.startsWith(e.path));
    const inside = folder === undefined ? [] : TOOLS_FOR_TESTS.filter((e) => e.path.startsWith(folder));
    for (const entry of [...(own ? [own] : []), ...inside]) entry.tools.forEach((t) => needed.add(t));
  }
  return GO_TOOLS.filter((t) => needed.has(t));
}

/** Runs mocha with {@link mochaArgs} of the command line, exiting as it exits. */
function main(): void {
  const mocharc = JSON.parse(fs.readFileSync(path.join(projectRoot, '.mocharc.json'), 'utf8')) as MochaRc;
  const isDir = (p: string) => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const exists = (p: string) => fs.existsSync(p);
  const opts = { cwd: process.env.INIT_CWD || process.cwd(), root: projectRoot, exists, isDir };
  let specs: string[];
  let args: string[];
  try {
    specs = namedSpecs(process.argv.slice(2), opts);
    args = mochaArgs(process.argv.slice(2), mocharc, opts);
  } catch (err) {
    if (!(err instanceof TestPathError)) throw err;
    process.stderr.write(`npm test: ${err.message}\n`);
    process.exit(2);
  }
  // A file named but not built (a typo, or a test the build left out) would make mocha say only
  // "no test files found", without saying which.
  const missing = specs.filter((a) => !a.includes('*') && !fs.existsSync(path.join(projectRoot, a)));
  if (missing.length > 0) {
    process.stderr.write(`npm test: no such test after the build: ${missing.join(', ')} (from test/...ts: is the name right?)\n`);
    process.exit(2);
  }
  const tools = toolsFor(specs);
  if (tools.length > 0) {
    const built = spawnSync('bash', [path.join(projectRoot, 'scripts/tools.sh'), ...tools], { cwd: projectRoot, stdio: 'inherit' });
    if (built.status !== 0) process.exit(built.status ?? 1);
  }
  const namedFilesOnly = specs.length > 0 ? { [NAMED_FILES_ONLY_ENV]: '1' } : {};
  const child = spawn(process.execPath, [require.resolve('mocha/bin/mocha.js'), ...args], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: { ...process.env, ...namedFilesOnly },
  });
  // Ctrl-C reaches mocha too (same process group); this process only reports how it ended.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    else process.exit(code ?? 1);
  });
}

if (require.main === module) main();
