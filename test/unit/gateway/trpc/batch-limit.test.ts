import { expect } from 'chai';
import { batchLength } from '../../../../gateway/trpc/batch-limit';
import { FakeServices } from '../../../support/fake-services';
import { request, startGateway, type RunningGateway } from '../../../support/gateway-harness';

/** `POST /trpc/auth.refresh,...?batch=1` with `n` calls, each with its own input. */
function refreshBatch(url: string, n: number, separator = ','): ReturnType<typeof request> {
  const inputs = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { refreshToken: `refresh-${i}` }]));
  return request(`${url}/trpc/${Array(n).fill('auth.refresh').join(separator)}?batch=1`, { method: 'POST', json: inputs });
}

// Issue 33, finding 2: one request runs at most TRPC_MAX_BATCH procedures; a longer batch is
// refused before any of them makes a call (fakes count every call they receive).
describe('gateway: tRPC batches are bounded (TRPC_MAX_BATCH)', () => {
  let fakes: FakeServices;
  let gw: RunningGateway;

  before(async () => {
    fakes = await FakeServices.start();
    gw = await startGateway(fakes.gatewayEnv);
  });
  beforeEach(() => fakes.reset());
  after(async () => {
    await gw.close();
    await fakes.stop();
  });

  it('defaults to 10', () => {
    expect(gw.config.TRPC_MAX_BATCH).to.equal(10);
  });

  it('runs a batch of exactly the limit', async () => {
    const res = await refreshBatch(gw.url, 10);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.have.length(10);
    expect(fakes.callsTo('auth.refreshToken')).to.have.length(10);
  });

  it('refuses one more with 400 naming the limit, in the tRPC error shape, before any call', async () => {
    for (const separator of [',', '%2C', '%2c']) {
      const res = await refreshBatch(gw.url, 11, separator);
      expect(res.status, separator).to.equal(400);
      expect(res.body.error.message, separator).to.equal('batch: at most 10 calls per request (TRPC_MAX_BATCH), got 11');
      expect(res.body.error.data).to.include({ code: 'BAD_REQUEST', httpStatus: 400 });
      expect(res.body.error.data).to.not.have.property('stack');
      expect(res.headers.get('cache-control')).to.equal('no-store');
    }
    const thousand = await refreshBatch(gw.url, 1000);
    expect(thousand.status).to.equal(400);
    expect(fakes.calls, 'no call reached a service').to.deep.equal([]);
  });

  it('refuses a long GET batch of queries too', async () => {
    const res = await request(`${gw.url}/trpc/${Array(11).fill('auth.me').join(',')}?batch=1`, { headers: { authorization: 'Bearer access-1' } });
    expect(res.status).to.equal(400);
    expect(fakes.calls).to.deep.equal([]);
  });

  it('counts calls as tRPC does', () => {
    expect(batchLength('/auth.me')).to.equal(1);
    expect(batchLength('/auth.me,users.list')).to.equal(1);
    expect(batchLength('/auth.me,users.list?batch=1')).to.equal(2);
    expect(batchLength('/a%2Cb%2cc,d?batch=1&input=%7B%7D')).to.equal(4);
  });

  describe('with TRPC_MAX_BATCH=3', () => {
    let small: RunningGateway;
    before(async () => {
      small = await startGateway({ ...fakes.gatewayEnv, TRPC_MAX_BATCH: '3' });
    });
    after(() => small.close());

    it('allows 3 and refuses 4', async () => {
      expect((await refreshBatch(small.url, 3)).status).to.equal(200);
      const refused = await refreshBatch(small.url, 4);
      expect(refused.status).to.equal(400);
      expect(refused.body.error.message).to.equal('batch: at most 3 calls per request (TRPC_MAX_BATCH), got 4');
      expect(fakes.callsTo('auth.refreshToken')).to.have.length(3);
    });
  });
});
