import { expect } from 'chai';
import { AppError } from '../../../../shared/errors/app-error';
import { HashingSlots } from '../../../../services/auth/hashing-slots';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('auth: hashing admission control', () => {
  it('runs at most `slots` jobs at once, in arrival order', async () => {
    const slots = new HashingSlots(2, 10);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) =>
      slots.run(Date.now() + 5000, async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(30);
        order.push(i);
        running--;
        return i;
      });
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map(job));
    expect(results).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(peak).to.equal(2);
    expect(order.slice(0, 2).sort()).to.deep.equal([0, 1]);
  });

  it('answers RESOURCE_EXHAUSTED at once when the queue is full', async () => {
    const slots = new HashingSlots(1, 1);
    const first = slots.run(undefined, () => sleep(100));
    const second = slots.run(undefined, () => sleep(10));
    const started = Date.now();
    const third = await slots.run(undefined, () => sleep(10)).catch((e: unknown) => e);
    expect(Date.now() - started).to.be.lessThan(50);
    expect(third).to.be.instanceOf(AppError).with.property('code', 'RESOURCE_EXHAUSTED');
    await Promise.all([first, second]);
  });

  it('drops a waiter whose deadline passes (DEADLINE_EXCEEDED) without running its work', async () => {
    const slots = new HashingSlots(1, 10);
    let ran = false;
    const busy = slots.run(undefined, () => sleep(200));
    const late = await slots
      .run(Date.now() + 50, async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(late).to.be.instanceOf(AppError).with.property('code', 'DEADLINE_EXCEEDED');
    expect(ran).to.equal(false);
    await busy;
    // The slot is free again for the next caller.
    expect(await slots.run(Date.now() + 1000, async () => 'next')).to.equal('next');
  });
});

describe('auth: hashing admission by expected wait', () => {
  it('refuses at once (RESOURCE_EXHAUSTED) a caller whose deadline is shorter than the expected wait plus one hash', async () => {
    const slots = new HashingSlots(1, 10);
    await slots.run(Date.now() + 5000, () => sleep(100)); // learn: one job takes ~100 ms
    const busy = slots.run(Date.now() + 5000, () => sleep(100));
    const started = Date.now();
    const refused = await slots.run(Date.now() + 150, () => sleep(100)).catch((e: unknown) => e);
    expect(Date.now() - started).to.be.lessThan(30);
    expect(refused).to.be.instanceOf(AppError).with.property('code', 'RESOURCE_EXHAUSTED');
    // A caller with enough time left still queues and runs.
    expect(await slots.run(Date.now() + 1000, async () => 'ran')).to.equal('ran');
    await busy;
  });
});
