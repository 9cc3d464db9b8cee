import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { compiledSpec, looksLikeTestPath, mochaArgs, TestPathError, type MochaRc } from '../../../scripts/test';
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
});
