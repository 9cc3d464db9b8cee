import path from 'node:path';
import { expect } from 'chai';
import { z } from 'zod';
import { databaseKeys, databaseSettings, describeDatabase, resolveDbPath } from '../../../../shared/config/database';
import { ConfigError, loadConfig } from '../../../../shared/config/load-config';
import { projectRoot } from '../../../../shared/paths';

const schema = z.object({ ...databaseKeys('SHOP', '.data/shop.db') });
const load = (env: Record<string, string>) => loadConfig(schema, { env });

describe('shared config: a service database', () => {
  it('defaults to the SQLite file, with pool and timeouts for PostgreSQL', () => {
    const settings = databaseSettings(load({}), 'SHOP');
    expect(settings).to.deep.equal({
      file: path.join(projectRoot, '.data', 'shop.db'),
      poolSize: 10,
      statementTimeoutMs: 2000,
      connectTimeoutMs: 1000,
    });
  });

  it('takes a postgres:// or postgresql:// URL and the pool settings from the environment', () => {
    const settings = databaseSettings(
      load({
        SHOP_DB_URL: 'postgresql://app:s3cret@db.internal:6432/shop',
        SHOP_DB_POOL_SIZE: '3',
        SHOP_DB_STATEMENT_TIMEOUT_MS: '750',
        SHOP_DB_CONNECT_TIMEOUT_MS: '250',
      }),
      'SHOP',
    );
    expect(settings).to.include({ url: 'postgresql://app:s3cret@db.internal:6432/shop', poolSize: 3, statementTimeoutMs: 750, connectTimeoutMs: 250 });
    expect(databaseSettings(load({ SHOP_DB_URL: 'postgres://a:b@h/db' }), 'SHOP').url).to.equal('postgres://a:b@h/db');
  });

  for (const bad of ['mysql://a:b@h:3306/db', 'postgres://a:b@h:5432/', 'not a url', 'postgres:///db']) {
    it(`refuses SHOP_DB_URL=${bad} naming the key`, () => {
      expect(() => load({ SHOP_DB_URL: bad }))
        .to.throw(ConfigError)
        .with.property('message')
        .that.matches(/SHOP_DB_URL/)
        .and.matches(/postgres:\/\/user:password@host:port\/database/);
    });
  }

  it('refuses a zero pool size or timeout, naming each key', () => {
    expect(() => load({ SHOP_DB_POOL_SIZE: '0', SHOP_DB_CONNECT_TIMEOUT_MS: 'soon' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/SHOP_DB_POOL_SIZE/)
      .and.matches(/SHOP_DB_CONNECT_TIMEOUT_MS/);
  });

  it('describes the database for a log line without the password', () => {
    const url = describeDatabase({ url: 'postgres://app:s3cret@db:5432/shop', file: '', poolSize: 1, statementTimeoutMs: 1, connectTimeoutMs: 1 });
    expect(url).to.equal('postgres://app@db:5432/shop');
    expect(describeDatabase({ file: '/var/lib/shop.db', poolSize: 1, statementTimeoutMs: 1, connectTimeoutMs: 1 })).to.equal('sqlite:/var/lib/shop.db');
  });

  it('resolves a relative database path against the project root and keeps :memory:', () => {
    expect(resolveDbPath('.data/auth.db')).to.equal(`${projectRoot}/.data/auth.db`);
    expect(resolveDbPath('/tmp/x.db')).to.equal('/tmp/x.db');
    expect(resolveDbPath(':memory:')).to.equal(':memory:');
  });
});
