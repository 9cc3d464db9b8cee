import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { authConfigSchema } from '../../../../services/auth/config';
import { userConfigSchema } from '../../../../services/user/config';
import { ConfigError, loadConfig } from '../../../../shared/config/load-config';

const EXAMPLE = 'auth.v1.AuthService/ValidateToken:delay=150ms;user.v1.UserService/GetUser:error=UNAVAILABLE@0.2';
const SCHEMAS = { user: userConfigSchema, auth: authConfigSchema } as const;

const configError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('loaded');
};

for (const [name, schema] of Object.entries(SCHEMAS)) {
  describe(`${name} service: FAULTS setting`, () => {
    it('is off by default', () => {
      expect(loadConfig(schema, { env: {} }).FAULTS).to.equal(undefined);
      expect(loadConfig(schema, { env: { FAULTS: '  ' } }).FAULTS).to.equal(undefined);
    });

    it('parses from the environment, rules for either service included', () => {
      const plan = loadConfig(schema, { env: { FAULTS: EXAMPLE } }).FAULTS!;
      expect([...plan.keys()]).to.deep.equal(['auth.v1.AuthService/ValidateToken', 'user.v1.UserService/GetUser']);
    });

    it('reads `faults:` from config.yaml, the environment winning', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-'));
      const file = path.join(dir, 'config.yaml');
      fs.writeFileSync(file, `faults: "user.v1.UserService/GetUser:delay=10ms"\n`);
      try {
        expect(loadConfig(schema, { env: {}, file }).FAULTS!.get('user.v1.UserService/GetUser')?.delay?.minMs).to.equal(10);
        expect([...loadConfig(schema, { env: { FAULTS: 'user.v1.UserService/ListUsers:error=INTERNAL' }, file }).FAULTS!.keys()]).to.deep.equal([
          'user.v1.UserService/ListUsers',
        ]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('stops the start with a message naming the key and the bad part', () => {
      expect(configError(() => loadConfig(schema, { env: { FAULTS: 'user.v1.UserService/GetUser:error=NOPE' } }))).to.match(
        /FAULTS \(or faults in config\.yaml\): user\.v1\.UserService\/GetUser:error=NOPE: "NOPE" is not a gRPC status/,
      );
    });

    it('is refused with NODE_ENV=production', () => {
      const env = { NODE_ENV: 'production', FAULTS: EXAMPLE, JWT_SECRET: 'a-real-secret-of-at-least-32-characters!' };
      expect(configError(() => loadConfig(schema, { env }))).to.match(/FAULTS \(or faults in config\.yaml\): injects failures on purpose and is refused when NODE_ENV=production/);
      expect(loadConfig(schema, { env: { ...env, FAULTS: '' } }).FAULTS).to.equal(undefined);
    });
  });
}
