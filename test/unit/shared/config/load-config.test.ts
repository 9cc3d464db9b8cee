import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { z } from 'zod';
import { ConfigError, flattenYaml, loadConfig } from '../../../../shared/config/load-config';
import { bool, list, oneOf, port, positiveInt, url } from '../../../../shared/config/fields';
import { grpcTarget } from '../../../../shared/grpc/target';
import { commonConfig } from '../../../../shared/config/common';

const schema = z.object({
  ...commonConfig,
  GATEWAY_PORT: port(8080),
  USER_SERVICE_URL: grpcTarget('127.0.0.1:50051'),
  TRACING_ENABLED: bool(true),
  ADMIN_EMAILS: list(),
  CACHE_SIZE: positiveInt(10),
});

function yamlFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, text);
  return file;
}

describe('config loader', () => {
  it('flattens nested YAML into environment-style keys', () => {
    expect(flattenYaml({ tracing: { sampling_rate: 0.5, enabled: true }, admin: ['a', 'b'], 'gateway-port': 1 })).to.deep.equal({
      TRACING_SAMPLING_RATE: '0.5',
      TRACING_ENABLED: 'true',
      ADMIN: 'a,b',
      GATEWAY_PORT: '1',
    });
  });

  it('uses documented defaults with nothing set', () => {
    const c = loadConfig(schema, { env: {} });
    expect(c).to.deep.include({ GATEWAY_PORT: 8080, USER_SERVICE_URL: '127.0.0.1:50051', TRACING_ENABLED: true, GRPC_DEADLINE_MS: 5000, LOG_LEVEL: 'info', ADMIN_EMAILS: [] });
  });

  it('reads config.yaml, and the environment wins over it', () => {
    const file = yamlFile('gateway:\n  port: 9000\ntracing:\n  enabled: false\nadmin_emails: [a@x.io, b@x.io]\n');
    expect(loadConfig(schema, { env: {}, file })).to.deep.include({ GATEWAY_PORT: 9000, TRACING_ENABLED: false, ADMIN_EMAILS: ['a@x.io', 'b@x.io'] });
    expect(loadConfig(schema, { env: { GATEWAY_PORT: '9100' }, file }).GATEWAY_PORT).to.equal(9100);
    // CONFIG_FILE points somewhere else entirely.
    const other = yamlFile('gateway:\n  port: 9200\n');
    expect(loadConfig(schema, { env: { CONFIG_FILE: other }, file }).GATEWAY_PORT).to.equal(9200);
  });

  it('treats an empty environment value as unset', () => {
    expect(loadConfig(schema, { env: { GATEWAY_PORT: '' } }).GATEWAY_PORT).to.equal(8080);
  });

  it('oneOf names the choices and the value given; url wants an absolute URL', () => {
    const choice = z.object({ MODE: oneOf(['lean', 'auto'], { ignoreCase: true }), KIND: oneOf(['a', 'b', 'c']), AT: url().optional() });
    expect(loadConfig(choice, { env: { MODE: 'AUTO', KIND: 'c', AT: 'http://x:1/p' } })).to.deep.equal({ MODE: 'auto', KIND: 'c', AT: 'http://x:1/p' });
    expect(() => loadConfig(choice, { env: { MODE: 'magic', KIND: 'C' } })).to.throw(ConfigError, /MODE .*must be lean or auto, got "magic"[^]*KIND .*must be one of a, b, c, got "C"/);
    expect(() => loadConfig(choice, { env: { MODE: 'lean', KIND: 'a', AT: 'not a url' } })).to.throw(ConfigError, /AT .*must be a URL/);
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ GATEWAY_PORT: '70000' }, /GATEWAY_PORT \(or gateway\.port in config\.yaml\): must be 0\.\.65535/],
    [{ GATEWAY_PORT: '80a' }, /GATEWAY_PORT .*whole number/],
    [{ GRPC_DEADLINE_MS: '0' }, /GRPC_DEADLINE_MS/],
    [{ USER_SERVICE_URL: 'http://x' }, /USER_SERVICE_URL .*host:port/],
    [{ TRACING_ENABLED: 'yes' }, /TRACING_ENABLED .*true or false/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV/],
  ];
  for (const [env, message] of bad) {
    it(`rejects ${JSON.stringify(env)} with a message naming the key`, () => {
      expect(() => loadConfig(schema, { env })).to.throw(ConfigError, message);
    });
  }

  it('names every bad key at once', () => {
    expect(() => loadConfig(schema, { env: { GATEWAY_PORT: 'x', CACHE_SIZE: '-1' } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/GATEWAY_PORT[\s\S]*CACHE_SIZE|CACHE_SIZE[\s\S]*GATEWAY_PORT/);
  });

  it('rejects a config.yaml that is not YAML, naming the file', () => {
    const file = yamlFile('gateway: [unclosed\n');
    expect(() => loadConfig(schema, { env: {}, file })).to.throw(ConfigError, /config\.yaml: not valid YAML/);
  });

  it('a process with an invalid key exits 1 at start with the key in its message', async () => {
    const main = path.resolve(__dirname, '../../../../gateway/main.js');
    const err = await promisify(execFile)(process.execPath, [main], {
      env: { ...process.env, GATEWAY_PORT: 'eighty', TRACING_ENABLED: 'false' },
      timeout: 15_000,
    }).then(
      () => undefined,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(err, 'the process must fail').to.exist;
    expect(err!.code).to.equal(1);
    expect(err!.stderr).to.contain('GATEWAY_PORT');
    expect(err!.stderr).to.not.match(/at .*\.js:\d+/); // a message, not a stack trace
  });
});
