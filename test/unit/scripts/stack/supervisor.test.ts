import { expect } from 'chai';
import { spawnCommand, stop, type LaunchedProcess } from '../../../../scripts/stack/launch';
import { MAX_RESTARTS, supervise, type Supervised } from '../../../../scripts/stack/supervisor';

// Real child processes: what the supervisor watches is a process's exit, as the launcher's and the
// collector tier's are.

/** Waits until `check` holds, or fails naming `what`. */
async function until(check: () => boolean, what: string, withinMs = 10_000): Promise<void> {
  const giveUp = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scripts/stack/supervisor', function () {
  this.timeout(30_000);
  const spawned: LaunchedProcess[] = [];
  let active = true;
  let messages: string[] = [];
  let gaveUp: string[] = [];
  let failNext = false;

  /** Starts a node process that runs until killed (or one that cannot start, when `failNext`). */
  const start = async () => {
    if (failNext) throw new Error('it cannot start');
    const proc = spawnCommand({ name: 'sleeper', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], onLine: () => undefined });
    spawned.push(proc);
    return proc;
  };
  const superviseSleeper = () =>
    supervise({ start, active: () => active, where: 'on its port', onMessage: (m) => messages.push(m), onGiveUp: (r) => gaveUp.push(r) });
  /** Kills the current process and waits for the next one (or for the supervisor to give up). */
  const killAndWait = async (s: Supervised) => {
    const before = spawned.length;
    const giveUps = gaveUp.length;
    await stop(s.current(), 'SIGKILL');
    await until(() => spawned.length > before || gaveUp.length > giveUps, 'a restart or giving up');
  };

  beforeEach(() => {
    active = true;
    failNext = false;
    messages = [];
    gaveUp = [];
  });
  afterEach(async () => {
    active = false;
    for (const proc of spawned.splice(0)) await stop(proc, 'SIGKILL', 1_000);
  });

  it('restarts a process that exits, saying why and where, and follows the new one', async () => {
    const s = await superviseSleeper();
    const first = s.current();
    await killAndWait(s);
    expect(s.current()).to.not.equal(first);
    expect(s.current().running).to.equal(true);
    expect(s.restarts()).to.equal(1);
    expect(messages).to.deep.equal(['exited (signal SIGKILL); restarting it on its port']);
    expect(gaveUp).to.deep.equal([]);
  });

  it(`gives up after ${MAX_RESTARTS} restarts within a minute, and says so once`, async () => {
    const s = await superviseSleeper();
    for (let i = 0; i < MAX_RESTARTS; i++) await killAndWait(s);
    expect(s.restarts()).to.equal(MAX_RESTARTS);
    await killAndWait(s);
    expect(s.restarts()).to.equal(MAX_RESTARTS);
    expect(s.current().running).to.equal(false);
    expect(gaveUp).to.deep.equal([`exited (signal SIGKILL) ${MAX_RESTARTS} times within a minute: not restarted again`]);
  });

  it('gives up when a restart fails', async () => {
    const s = await superviseSleeper();
    failNext = true;
    await killAndWait(s);
    expect(gaveUp).to.deep.equal(['restart failed: it cannot start']);
    expect(s.restarts()).to.equal(0);
  });

  it('does not restart once its owner is stopping', async () => {
    const s = await superviseSleeper();
    active = false;
    await stop(s.current(), 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(spawned).to.have.length(1);
    expect(messages).to.deep.equal([]);
  });

  it('rejects when the first start fails', async () => {
    failNext = true;
    let error: Error | undefined;
    await superviseSleeper().catch((err: Error) => (error = err));
    expect(error?.message).to.equal('it cannot start');
  });
});
