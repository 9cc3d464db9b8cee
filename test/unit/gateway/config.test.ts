import { expect } from 'chai';
import { gatewayConfigFile, gatewayConfigSchema, trustedTraceCallers } from '../../../gateway/config';
import { ConfigError, loadConfig } from '../../../shared/config/load-config';

describe('gateway: config', () => {
  const defaults = {
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: 8080,
    USER_SERVICE_URL: '127.0.0.1:50051',
    AUTH_SERVICE_URL: '127.0.0.1:50052',
    GRPC_DEADLINE_MS: 5000,
  };

  it('has defaults that let the stack start on a fresh clone', () => {
    expect(loadConfig(gatewayConfigSchema, { env: {} })).to.include(defaults);
  });

  it('ships a config.yaml whose keys match the schema and state the same defaults', () => {
    expect(loadConfig(gatewayConfigSchema, { env: {}, file: gatewayConfigFile })).to.include(defaults);
  });

  it('lets environment variables override config.yaml', () => {
    const config = loadConfig(gatewayConfigSchema, {
      env: { GATEWAY_PORT: '9090', USER_SERVICE_URL: 'users:7000', GRPC_DEADLINE_MS: '250' },
      file: gatewayConfigFile,
    });
    expect(config).to.include({ GATEWAY_PORT: 9090, USER_SERVICE_URL: 'users:7000', GRPC_DEADLINE_MS: 250 });
  });

  it('names every bad key', () => {
    const load = () =>
      loadConfig(gatewayConfigSchema, { env: { GATEWAY_PORT: '80a', AUTH_SERVICE_URL: 'no-port', GRPC_DEADLINE_MS: '0' } });
    expect(load).to.throw(ConfigError).with.property('message').that.includes('GATEWAY_PORT').and.includes('AUTH_SERVICE_URL').and.includes('GRPC_DEADLINE_MS');
  });

  it('trusts callers with trace context: everyone in development and test, nobody in production, unless TRUST_TRACE_CONTEXT says', () => {
    const trusted = (env: Record<string, string>) => trustedTraceCallers(loadConfig(gatewayConfigSchema, { env, file: gatewayConfigFile }));
    expect(trusted({})).to.deep.equal(['*']);
    expect(trusted({ NODE_ENV: 'test' })).to.deep.equal(['*']);
    expect(trusted({ NODE_ENV: 'production' })).to.deep.equal([]);
    expect(trusted({ NODE_ENV: 'production', TRUST_TRACE_CONTEXT: 'loopback, 10.0.0.0/8' })).to.deep.equal(['loopback', '10.0.0.0/8']);
    expect(trusted({ NODE_ENV: 'production', TRUST_TRACE_CONTEXT: '*' })).to.deep.equal(['*']);
    const bad = () => loadConfig(gatewayConfigSchema, { env: { TRUST_TRACE_CONTEXT: '*,10.0.0.1' } });
    expect(bad).to.throw(ConfigError).with.property('message').that.includes('TRUST_TRACE_CONTEXT');
    expect(() => loadConfig(gatewayConfigSchema, { env: { TRUST_TRACE_CONTEXT: 'gateway.example' } })).to.throw(ConfigError, /TRUST_TRACE_CONTEXT/);
  });
});
