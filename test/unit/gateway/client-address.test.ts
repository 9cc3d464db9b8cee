import type { IncomingMessage } from 'node:http';
import { expect } from 'chai';
import { gatewayConfigSchema } from '../../../gateway/config';
import { clientAddressResolver } from '../../../gateway/client-address';
import { ConfigError, loadConfig } from '../../../shared/config/load-config';

const request = (peer: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

describe('gateway: the client address the login throttle counts', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    const resolve = clientAddressResolver([]);
    expect(resolve(request('192.0.2.10', '203.0.113.5'))).to.equal('192.0.2.10');
  });

  it('walks X-Forwarded-For from the right past trusted proxies only', () => {
    const resolve = clientAddressResolver(['loopback', '10.0.0.0/8']);
    expect(resolve(request('127.0.0.1', '203.0.113.5'))).to.equal('203.0.113.5');
    // A client-supplied first entry is not believed: 198.51.100.1 is the untrusted hop that sent it.
    expect(resolve(request('127.0.0.1', '1.2.3.4, 198.51.100.1, 10.1.2.3'))).to.equal('198.51.100.1');
    // From an untrusted peer the header is ignored.
    expect(resolve(request('192.0.2.10', '203.0.113.5'))).to.equal('192.0.2.10');
  });

  it('walks X-Forwarded-For once a request: asked again (edge server, then the context), the same answer', () => {
    const resolve = clientAddressResolver(['loopback']);
    const req = request('127.0.0.1', '203.0.113.5');
    expect(resolve(req)).to.equal('203.0.113.5');
    req.headers['x-forwarded-for'] = '198.51.100.1';
    expect(resolve(req)).to.equal('203.0.113.5');
    // Another request is its own.
    expect(resolve(request('127.0.0.1', '198.51.100.1'))).to.equal('198.51.100.1');
  });

  it('takes TRUST_PROXY from config and refuses an entry that is not an address, naming the key', () => {
    expect(loadConfig(gatewayConfigSchema, { env: { TRUST_PROXY: 'loopback, 10.0.0.0/8' } }).TRUST_PROXY).to.deep.equal(['loopback', '10.0.0.0/8']);
    expect(loadConfig(gatewayConfigSchema, { env: {} }).TRUST_PROXY).to.deep.equal([]);
    expect(() => loadConfig(gatewayConfigSchema, { env: { TRUST_PROXY: 'my-proxy.internal' } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/TRUST_PROXY/);
  });
});
