import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { compiledSpec, looksLikeTestPath, mochaArgs, namedSpecs, TestPathError, toolsFor, TOOLS_FOR_TESTS, type MochaRc } from '../../../scripts/test';
import { projectRoot } from '../../../shared/paths';

const mocharc = JSON.parse(fs.readFileSync(path.join(projectRoot, '.mocharc.json'), 'utf8')) as MochaRc;
const dirs = new Set(['/repo/test/integration', '/repo/dist/test/integration', '/repo/test/e2e']);
const files = new Set(['/repo/test/integration/launcher.test.ts']);
const opts = { cwd: '/repo', root: '/repo', isDir: (p: string) => dirs.has(p), exists: (p: string) => dirs.has(p) || files.has(p) };

describe('scripts/test.ts: npm test -- <files>', () => {
  it('with no test path passes the arguments through, so mocha reads .mocharc.json and runs the whole suite', () => {
    expect(mochaArgs([], mocharc, opts)).to.deep.equal([]);
    expect(mochaArgs(['--grep', 'launcher'], mocharc, opts)).to.deep.equal(['--grep', 'launcher']);
  });

  it('maps a test source to its build and keeps every other setting of .mocharc.json (root hooks, reporter), not its spec', () => {
    const args = mochaArgs(['test/integration/launcher.test.ts'], mocharc, opts);
    expect(args[0]).to.equal('--no-config');
    expect(args.at(-1)).to.equal('dist/test/integration/launcher.test.js');
    expect(args).not.to.include(mocharc.spec);
    expect(args.join(' ')).not.to.include('dist/test/**/*.test.js');
    for (const hook of mocharc.require as string[]) {
      expect(args[args.indexOf(hook) - 1], hook).to.equal('--require');
    }
    expect(args.slice(args.indexOf('--reporter'), args.indexOf('--reporter') + 2)).to.deep.equal(['--reporter', mocharc.reporter]);
    expect(args.slice(args.indexOf('--timeout'), args.indexOf('--timeout') + 2)).to.deep.equal(['--timeout', String(mocharc.timeout)]);
    expect(args).to.include('--exit');
  });

  it('takes folders, built paths, paths typed from a subfolder, and mocha flags beside them', () => {
    const args = mochaArgs(['test/e2e/', 'dist/test/unit/x.test.js', '--grep', 'GET', 'launcher.test.ts'], mocharc, { ...opts, cwd: '/repo/test/integration' });
    expect(args.slice(-5)).to.deep.equal(['--grep', 'GET', 'dist/test/e2e/**/*.test.js', 'dist/test/unit/x.test.js', 'dist/test/integration/launcher.test.js']);
  });

  it('refuses a path outside test/, and tells file paths from flag values', () => {
    expect(() => compiledSpec('shared/paths.ts', () => false)).to.throw(TestPathError, 'shared/paths.ts: not a test');
    expect(() => mochaArgs(['../x.test.ts'], mocharc, opts)).to.throw(TestPathError);
    expect(looksLikeTestPath('test/unit/a.test.ts')).to.equal(true);
    expect(looksLikeTestPath('a.test.ts')).to.equal(true);
    expect(looksLikeTestPath('test')).to.equal(true);
    expect(looksLikeTestPath('--exit')).to.equal(false);
    expect(looksLikeTestPath('GET user')).to.equal(false);
  });

  describe('the Go tools it has scripts/tools.sh build first', () => {
    const toolsOf = (...paths: string[]) => toolsFor(namedSpecs(paths, { ...opts, isDir: (p) => !p.endsWith('.ts') && !p.endsWith('.js') }));

    it('all of them for the whole suite, with or without mocha flags', () => {
      expect(toolsOf()).to.deep.equal(['all']);
      expect(toolsFor(namedSpecs(['--grep', 'launcher'], opts))).to.deep.equal(['all']);
      expect(toolsOf('test')).to.deep.equal(['jaeger', 'ghz', 'otelcol-lb']);
    });

    it('none for unit tests, except the one that runs the real binaries', () => {
      expect(toolsOf('test/unit/shared/faults/fault-rules.test.ts')).to.deep.equal([]);
      expect(toolsOf('test/unit/scripts', 'test/unit/shared/faults/fault-rules.test.ts')).to.deep.equal([]);
      expect(toolsOf('test/unit/deploy/jaeger-config.test.ts')).to.deep.equal(['jaeger', 'otelcol-lb']);
      expect(toolsOf('test/unit')).to.deep.equal(['jaeger', 'otelcol-lb']);
    });

    it('Jaeger and ghz for tests that run processes, the load balancer only where the collector tier runs', () => {
      expect(toolsOf('test/e2e/faults.test.ts', 'test/unit/shared/faults')).to.deep.equal(['jaeger', 'ghz']);
      expect(toolsOf('test/integration/trpc.test.ts')).to.deep.equal(['jaeger', 'ghz']);
      expect(toolsOf('test/integration/launcher.test.ts')).to.deep.equal(['jaeger', 'ghz', 'otelcol-lb']);
      expect(toolsOf('test/e2e/collector-lb.test.ts')).to.deep.equal(['jaeger', 'ghz', 'otelcol-lb']);
      expect(toolsOf('test/e2e/')).to.deep.equal(['jaeger', 'ghz', 'otelcol-lb']);
      expect(toolsOf('dist/test/integration/trpc.test.js')).to.deep.equal(['jaeger', 'ghz']);
    });

    // A test that starts what needs a tool, named in its own source, is given that tool: a new
    // unit test that starts a stack, or a test that starts the collector tier, fails here.
    const NEEDS: Record<string, RegExp> = {
      jaeger: /\b(useStack|startStack|sharedJaeger|startJaeger|startNpmStart|startCollectorTier|jaegerBinary)\b/,
      ghz: /\b(ghzBinary|startNpmStart)\b/,
      'otelcol-lb': /\b(otelcolLbBinary|startCollectorTier)\b|\blaunch\(\['--collector', '[1-9]/,
    };
    const testFiles = (dir: string): string[] =>
      fs.readdirSync(path.join(projectRoot, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) return testFiles(rel);
        return e.name.endsWith('.test.ts') ? [rel] : [];
      });

    it('gives every test file the tools its source starts (TOOLS_FOR_TESTS)', () => {
      // This file names the patterns without starting anything.
      const files = testFiles('test').filter((f) => f !== 'test/unit/scripts/test.test.ts');
      expect(files.length).to.be.greaterThan(100);
      const real = { cwd: projectRoot, root: projectRoot, isDir: () => false, exists: () => true };
      let starting = 0;
      for (const file of files) {
        const text = fs.readFileSync(path.join(projectRoot, file), 'utf8');
        const given = toolsFor(namedSpecs([file], real));
        for (const [tool, uses] of Object.entries(NEEDS)) {
          if (!uses.test(text)) continue;
          starting++;
          expect(given, `${file} starts what needs ${tool}: add it to TOOLS_FOR_TESTS (scripts/test.ts)`).to.include(tool);
        }
      }
      expect(starting, 'tests found starting a tool').to.be.greaterThan(20);
      expect(TOOLS_FOR_TESTS.at(-1)!.path, 'a last entry that takes every other test').to.equal('test/');
    });
  });
});
