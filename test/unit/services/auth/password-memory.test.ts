import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ARGON2_MEMORY_KIB } from '../../../../services/auth/password';

const run = promisify(execFile);
const passwordModule = path.resolve(__dirname, '../../../../services/auth/password.js');

// A burst of 200 checks, 40 at a time, in a fresh process: how much RSS stays afterwards.
const BURST = `
const { hashPassword, verifyPassword } = require(${JSON.stringify(passwordModule)});
(async () => {
  const hash = await hashPassword('correct horse battery');
  await new Promise((r) => setTimeout(r, 100));
  const before = process.memoryUsage().rss;
  for (let k = 0; k < 5; k++) await Promise.all(Array.from({ length: 40 }, () => verifyPassword('wrong', hash)));
  await new Promise((r) => setTimeout(r, 200));
  process.stdout.write(JSON.stringify({ growthMb: (process.memoryUsage().rss - before) / 1e6 }));
})();
`;

async function retainedAfterBurst(env: NodeJS.ProcessEnv): Promise<number> {
  const { stdout } = await run(process.execPath, ['-e', BURST], { env, timeout: 60_000 });
  return (JSON.parse(stdout) as { growthMb: number }).growthMb;
}

// One check's argon2id memory, in MB.
const BLOCK_MB = (ARGON2_MEMORY_KIB * 1024) / 1e6;

describe('auth: password hashing memory', function () {
  this.timeout(60_000);
  const { MIMALLOC_PURGE_DELAY: _unset, ...env } = process.env;

  it('gives the memory of a burst of argon2id checks back (about 2 MB stays, not 80)', async () => {
    expect(await retainedAfterBurst(env)).to.be.lessThan(BLOCK_MB / 2);
  });

  // With the default delay every worker thread keeps its last block (one per thread on an idle machine).
  // On a loaded one the threads finish apart and the last one running purges the others' expired
  // blocks, but nothing runs after the last thread's final check: at least its block stays.
  it("control: with mimalloc's default purge delay the same burst keeps at least one check's memory", async () => {
    expect(await retainedAfterBurst({ ...env, MIMALLOC_PURGE_DELAY: '10' })).to.be.greaterThan(BLOCK_MB * 0.75);
  });
});
