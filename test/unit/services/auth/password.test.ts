import { verify as argon2Verify } from '@node-rs/argon2';
import { expect } from 'chai';
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  needsRehash,
  verifyDummyPassword,
  verifyPassword,
} from '../../../../services/auth/password';
import { CURRENT_PREFIX, LEGACY_SCRYPT_14, LEGACY_SCRYPT_17, OLD_ARGON2, PASSWORD } from '../../../support/password-vectors';

const elapsedMs = async (work: () => Promise<unknown>): Promise<number> => {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
};

describe('auth password hashing (argon2id)', () => {
  let hash: string;

  before(async () => {
    hash = await hashPassword(PASSWORD);
  });

  it('writes argon2id PHC strings with the current parameters: 16-byte salt, 32-byte key', () => {
    expect(hash.startsWith(CURRENT_PREFIX), hash).to.equal(true);
    const [salt, key] = hash.slice(CURRENT_PREFIX.length).split('$');
    expect(Buffer.from(salt!, 'base64')).to.have.length(16);
    expect(Buffer.from(key!, 'base64')).to.have.length(32);
    // PHC's base64 has no padding.
    expect(salt).to.match(/^[A-Za-z0-9+/]{22}$/);
    expect(key).to.match(/^[A-Za-z0-9+/]{43}$/);
    expect(hash).to.not.include(PASSWORD);
    expect(needsRehash(hash)).to.equal(false);
  });

  it('writes standard PHC strings that another argon2 verifier accepts', async () => {
    expect(await argon2Verify(hash, PASSWORD)).to.equal(true);
    expect(await argon2Verify(hash, 'correct horse batterY')).to.equal(false);
  });

  it('verifies the right password', async () => {
    expect(await verifyPassword(PASSWORD, hash)).to.equal(true);
  });

  it('rejects a wrong password', async () => {
    expect(await verifyPassword('correct horse batterY', hash)).to.equal(false);
    expect(await verifyPassword('', hash)).to.equal(false);
  });

  it('salts every hash, so one password hashes differently twice', async () => {
    const again = await hashPassword(PASSWORD);
    expect(again).to.not.equal(hash);
    expect(again.split('$')[4]).to.not.equal(hash.split('$')[4]);
    expect(await verifyPassword(PASSWORD, again)).to.equal(true);
  });

  it('hashes and verifies a 128-character password', async () => {
    const long = 'x'.repeat(127) + 'é';
    expect(long).to.have.length(128);
    const longHash = await hashPassword(long);
    expect(await verifyPassword(long, longHash)).to.equal(true);
    expect(await verifyPassword('x'.repeat(128), longHash)).to.equal(false);
  });

  it('verifies an argon2id hash with other parameters by the parameters it carries, and wants it rehashed', async () => {
    expect(await verifyPassword(PASSWORD, OLD_ARGON2)).to.equal(true);
    expect(await verifyPassword('correct horse batterY', OLD_ARGON2)).to.equal(false);
    expect(needsRehash(OLD_ARGON2)).to.equal(true);
  });

  it('has a dummy hash with the current parameters that costs a real check and never matches', async () => {
    expect(DUMMY_PASSWORD_HASH.startsWith(CURRENT_PREFIX)).to.equal(true);
    expect(needsRehash(DUMMY_PASSWORD_HASH)).to.equal(false);
    expect(await verifyDummyPassword(PASSWORD)).to.equal(false);
    expect(await verifyPassword(PASSWORD, DUMMY_PASSWORD_HASH)).to.equal(false);
    // Medians of a few runs: a hash is short enough that one scheduler hiccup would swamp a single sample.
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const real: number[] = [];
    const dummy: number[] = [];
    for (let i = 0; i < 7; i++) {
      real.push(await elapsedMs(() => verifyPassword('correct horse batterY', hash)));
      dummy.push(await elapsedMs(() => verifyDummyPassword(PASSWORD)));
    }
    // Same argon2id work: within a generous factor of each other (CI machines are noisy).
    expect(median(dummy)).to.be.greaterThan(median(real) / 3);
    expect(median(dummy)).to.be.lessThan(median(real) * 3);
  });
});

describe('auth password hashing: legacy scrypt hashes', () => {
  it('verifies a legacy scrypt hash, and wants it rehashed', async () => {
    expect(await verifyPassword(PASSWORD, LEGACY_SCRYPT_14)).to.equal(true);
    expect(await verifyPassword('correct horse batterY', LEGACY_SCRYPT_14)).to.equal(false);
    expect(needsRehash(LEGACY_SCRYPT_14)).to.equal(true);
  });

  it('verifies a hash written by the previous release (scrypt N=2^17, r=8, p=1)', async () => {
    expect(await verifyPassword(PASSWORD, LEGACY_SCRYPT_17)).to.equal(true);
    expect(await verifyPassword('correct horse batterY', LEGACY_SCRYPT_17)).to.equal(false);
    expect(needsRehash(LEGACY_SCRYPT_17)).to.equal(true);
  });
});

describe('auth password hashing: malformed and out-of-bounds hashes', () => {
  const salt = 'AAAAAAAAAAAAAAAAAAAAAA'; // 16 bytes
  const key = 'A'.repeat(43); // 32 bytes
  const argon2 = (params: string, s = salt, k = key) => `$argon2id$v=19$${params}$${s}$${k}`;

  const rejected: Record<string, string> = {
    'empty': '',
    'not a hash': 'not-a-hash',
    'unknown scheme': 'bcrypt$17$8$1$AAAA$AAAA',
    'argon2i, not argon2id': `$argon2i$v=19$m=19456,t=2,p=1$${salt}$${key}`,
    'argon2 version 16': `$argon2id$v=16$m=19456,t=2,p=1$${salt}$${key}`,
    'argon2 memory above 256 MiB': argon2('m=262145,t=2,p=1'),
    'argon2 memory of 4 GiB': argon2('m=4194304,t=2,p=1'),
    'argon2 memory below 8 KiB a lane': argon2('m=15,t=2,p=2'),
    'argon2 t=11': argon2('m=19456,t=11,p=1'),
    'argon2 t=0': argon2('m=19456,t=0,p=1'),
    'argon2 p=9': argon2('m=19456,t=2,p=9'),
    'argon2 p=0': argon2('m=19456,t=2,p=0'),
    'argon2 parameters out of order': argon2('t=2,m=19456,p=1'),
    'argon2 extra parameter': argon2('m=19456,t=2,p=1,keyid=AA'),
    'argon2 negative memory': argon2('m=-1,t=2,p=1'),
    'argon2 salt under 8 bytes': argon2('m=19456,t=2,p=1', 'AAAAAAA'),
    'argon2 key under 16 bytes': argon2('m=19456,t=2,p=1', salt, 'AAAAAAAAAAAAAAAAAAA'),
    'argon2 key not base64': argon2('m=19456,t=2,p=1', salt, '!'.repeat(43)),
    'argon2 padded base64': argon2('m=19456,t=2,p=1', salt, `${key}=`),
    'argon2 missing key': `$argon2id$v=19$m=19456,t=2,p=1$${salt}`,
    'argon2 trailing field': `${argon2('m=19456,t=2,p=1')}$AAAA`,
    'scrypt log2 N of 40': LEGACY_SCRYPT_14.replace('scrypt$14$', 'scrypt$40$'),
    'scrypt log2 N of 9': LEGACY_SCRYPT_14.replace('scrypt$14$', 'scrypt$9$'),
    'scrypt asking for 512 MiB (N=2^19, r=8)': LEGACY_SCRYPT_14.replace('scrypt$14$8$', 'scrypt$19$8$'),
    'scrypt r=0': LEGACY_SCRYPT_14.replace('scrypt$14$8$', 'scrypt$14$0$'),
    'scrypt salt too short': 'scrypt$14$8$1$AAAA$' + LEGACY_SCRYPT_14.split('$')[5],
  };

  for (const [name, encoded] of Object.entries(rejected)) {
    it(`treats ${name} as a mismatch without throwing, and wants it replaced`, async () => {
      expect(await verifyPassword(PASSWORD, encoded)).to.equal(false);
      expect(needsRehash(encoded)).to.equal(true);
    });
  }

  it('refuses an over-bounded hash at once instead of computing it', async () => {
    const ms = await elapsedMs(() => verifyPassword(PASSWORD, argon2('m=4194304,t=10,p=1')));
    // Computing it would take tens of seconds; a refusal is a parse. The margin absorbs a busy CI.
    expect(ms).to.be.lessThan(1000);
  });
});
