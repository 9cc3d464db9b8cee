import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../../shared/config/load-config';
import { authConfigFile, authConfigSchema, DEV_JWT_SECRET } from '../../../../services/auth/config';

const load = (env: Record<string, string>, file?: string) => loadConfig(authConfigSchema, { env, file });

/** The ConfigError message `env` produces. */
function configErrorOf(env: Record<string, string>): string {
  try {
    load(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  return expect.fail('configuration was accepted');
}

describe('auth config', () => {
  it('has defaults that start a dev service on a fresh clone', () => {
    const config = load({});
    expect(config).to.include({
      AUTH_SERVICE_HOST: '127.0.0.1',
      AUTH_SERVICE_PORT: 50052,
      AUTH_DB_PATH: '.data/auth.db',
      JWT_SECRET: DEV_JWT_SECRET,
      JWT_ISSUER: 'traced-grpc-microservices',
      JWT_AUDIENCE: 'traced-grpc-microservices',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 2592000,
      NODE_ENV: 'development',
      GRPC_DEADLINE_MS: 5000,
    });
    expect(DEV_JWT_SECRET.length).to.be.at.least(32);
  });

  it('reads the example config.yaml to the same values as the defaults', () => {
    expect(load({}, authConfigFile)).to.deep.equal(load({}));
  });

  it('refuses the dev default JWT_SECRET when NODE_ENV=production, naming the key', () => {
    const message = configErrorOf({ NODE_ENV: 'production' });
    expect(message).to.match(/JWT_SECRET/);
    expect(message).to.match(/development default/);
    expect(configErrorOf({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET })).to.match(/JWT_SECRET/);
  });

  it('accepts a real secret in production', () => {
    const secret = 'a-real-production-secret-of-sufficient-length';
    expect(load({ NODE_ENV: 'production', JWT_SECRET: secret }).JWT_SECRET).to.equal(secret);
  });

  it('refuses a JWT_SECRET shorter than 32 characters', () => {
    expect(configErrorOf({ JWT_SECRET: 'too-short' })).to.match(/JWT_SECRET.*at least 32/);
  });

  it('names a bad port', () => {
    expect(configErrorOf({ AUTH_SERVICE_PORT: 'abc' })).to.match(/AUTH_SERVICE_PORT.*whole number/);
    expect(configErrorOf({ AUTH_SERVICE_PORT: '70000' })).to.match(/AUTH_SERVICE_PORT.*0\.\.65535/);
  });

  it('names bad token lifetimes', () => {
    expect(configErrorOf({ ACCESS_TOKEN_TTL_SECONDS: '0' })).to.match(/ACCESS_TOKEN_TTL_SECONDS/);
    expect(configErrorOf({ ACCESS_TOKEN_TTL_SECONDS: '100000' })).to.match(/ACCESS_TOKEN_TTL_SECONDS.*86400/);
    expect(configErrorOf({ REFRESH_TOKEN_TTL_SECONDS: '-5' })).to.match(/REFRESH_TOKEN_TTL_SECONDS/);
  });
});
