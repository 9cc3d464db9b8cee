import { expect } from 'chai';
import { createLogger } from '../../../../shared/logging/logger';
import { watchReadiness } from '../../../../shared/grpc/readiness-watch';
import { sleep } from '../../../support/stack';

describe('shared grpc: readiness follows a dependency check', () => {
  const logger = createLogger('readiness-test', 'silent');

  it('reports a flip to not ready after a failed check and back after a passing one, once each', async () => {
    let healthy = true;
    let calls = 0;
    const changes: boolean[] = [];
    const stop = watchReadiness(
      async () => {
        calls++;
        if (!healthy) throw new Error('down');
      },
      (ready) => changes.push(ready),
      logger,
      20,
    );
    try {
      await sleep(80);
      expect(changes, 'no change while it keeps passing').to.deep.equal([]);
      healthy = false;
      await sleep(100);
      expect(changes).to.deep.equal([false]);
      healthy = true;
      await sleep(100);
      expect(changes).to.deep.equal([false, true]);
      expect(calls).to.be.at.least(8);
    } finally {
      stop();
    }
    const after = calls;
    await sleep(80);
    expect(calls, 'no checks after stop()').to.equal(after);
  });

  it('never runs two checks at once, however slow a check is', async () => {
    let running = 0;
    let maxRunning = 0;
    const stop = watchReadiness(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(50);
        running--;
      },
      () => undefined,
      logger,
      5,
    );
    await sleep(200);
    stop();
    expect(maxRunning).to.equal(1);
  });
});
