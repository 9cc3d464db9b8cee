import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../../shared/config/load-config';
import { userConfigFile, userConfigSchema } from '../../../../services/user/config';

describe('user service: config', () => {
  it('has defaults that run on a fresh clone', () => {
    const config = loadConfig(userConfigSchema, { env: {} });
    expect(config).to.include({
      USER_SERVICE_HOST: '127.0.0.1',
      USER_SERVICE_PORT: 50051,
      USER_DB_PATH: '.data/user.db',
      AUTH_SERVICE_URL: '127.0.0.1:50052',
      GRPC_DEADLINE_MS: 5000,
    });
    expect(config.ADMIN_EMAILS).to.deep.equal([]);
  });

  it('ships a config.yaml that is valid and matches the defaults', () => {
    const fromFile = loadConfig(userConfigSchema, { env: {}, file: userConfigFile });
    expect(fromFile).to.deep.equal(loadConfig(userConfigSchema, { env: {} }));
  });

  it('lets the environment override the file and lower-cases ADMIN_EMAILS', () => {
    const config = loadConfig(userConfigSchema, {
      env: { USER_SERVICE_PORT: '0', ADMIN_EMAILS: ' Root@Example.com,, ops@example.com ', AUTH_SERVICE_URL: 'auth:9000' },
      file: userConfigFile,
    });
    expect(config.USER_SERVICE_PORT).to.equal(0);
    expect(config.ADMIN_EMAILS).to.deep.equal(['root@example.com', 'ops@example.com']);
    expect(config.AUTH_SERVICE_URL).to.equal('auth:9000');
  });

  it('names each bad key', () => {
    expect(() => loadConfig(userConfigSchema, { env: { USER_SERVICE_PORT: '70000', AUTH_SERVICE_URL: 'nohostport' } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/USER_SERVICE_PORT/)
      .and.matches(/AUTH_SERVICE_URL/);
  });

  it('limits registrations to 20 per client address an hour by default, and refuses a limit that is not a positive whole number', () => {
    expect(loadConfig(userConfigSchema, { env: {} })).to.include({ REGISTRATION_MAX_PER_CLIENT: 20, REGISTRATION_WINDOW_SECONDS: 3600 });
    for (const bad of ['0', '-1', 'ten', '1.5']) {
      expect(() => loadConfig(userConfigSchema, { env: { REGISTRATION_MAX_PER_CLIENT: bad, REGISTRATION_WINDOW_SECONDS: bad } }), bad)
        .to.throw(ConfigError)
        .with.property('message')
        .that.matches(/REGISTRATION_MAX_PER_CLIENT/)
        .and.matches(/REGISTRATION_WINDOW_SECONDS/);
    }
  });
});
