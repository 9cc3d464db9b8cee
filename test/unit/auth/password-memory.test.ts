import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const passwordModule = path.resolve(__dirname, '../../../services/auth/password.js');

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

describe('auth: password hashing memory', function () {
  this.timeout(60_000);
  const { MIMALLOC_PURGE_DELAY: _unset, ...env } = process.env;

  it('gives the memory of a burst of argon2id checks back (about 1 MB stays, not 80)', async () => {
    expect(await retainedAfterBurst(env)).to.be.lessThan(30);
  });

  it("control: with mimalloc's default purge delay the same burst keeps tens of MB", async () => {
    expect(await retainedAfterBurst({ ...env, MIMALLOC_PURGE_DELAY: '10' })).to.be.greaterThan(40);
  });
});
