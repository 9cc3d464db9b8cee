import { expect } from 'chai';
import {
  CURRENT_PARAMS,
  DUMMY_PASSWORD_HASH,
  hashParams,
  hashPassword,
  verifyDummyPassword,
  verifyPassword,
} from '../../../services/auth/password';

describe('auth password hashing (scrypt)', () => {
  let hash: string;

  before(async () => {
    hash = await hashPassword('correct horse battery');
  });

  it('verifies the right password', async () => {
    expect(await verifyPassword('correct horse battery', hash)).to.equal(true);
  });

  it('rejects a wrong password', async () => {
    expect(await verifyPassword('correct horse batterY', hash)).to.equal(false);
    expect(await verifyPassword('', hash)).to.equal(false);
  });

  it('salts every hash, so one password hashes differently twice', async () => {
    const again = await hashPassword('correct horse battery');
    expect(again).to.not.equal(hash);
    expect(again.split('$')[4]).to.not.equal(hash.split('$')[4]);
    expect(await verifyPassword('correct horse battery', again)).to.equal(true);
  });

  it('carries its parameters in the encoding: scrypt$17$8$1$<16-byte salt>$<64-byte key>', () => {
    const parts = hash.split('$');
    expect(parts).to.have.length(6);
    expect(parts.slice(0, 4)).to.deep.equal(['scrypt', '17', '8', '1']);
    expect(Buffer.from(parts[4]!, 'base64')).to.have.length(16);
    expect(Buffer.from(parts[5]!, 'base64')).to.have.length(64);
    expect(hashParams(hash)).to.deep.equal({ log2N: 17, r: 8, p: 1 });
    expect(hash).to.not.include('correct horse battery');
  });

  it('hashes and verifies a 128-character password', async () => {
    const long = 'x'.repeat(127) + 'é';
    expect(long).to.have.length(128);
    const longHash = await hashPassword(long);
    expect(await verifyPassword(long, longHash)).to.equal(true);
    expect(await verifyPassword('x'.repeat(128), longHash)).to.equal(false);
  });

  it('treats a malformed or out-of-bounds hash as a mismatch instead of throwing', async () => {
    expect(await verifyPassword('whatever1', 'not-a-hash')).to.equal(false);
    expect(await verifyPassword('whatever1', hash.replace('scrypt$17$', 'scrypt$40$'))).to.equal(false);
    expect(await verifyPassword('whatever1', 'bcrypt$17$8$1$AAAA$AAAA')).to.equal(false);
  });

  it('has a dummy hash with the current parameters that costs a real check and never matches', async () => {
    expect(hashParams(DUMMY_PASSWORD_HASH)).to.deep.equal(CURRENT_PARAMS);
    const realStart = process.hrtime.bigint();
    await verifyPassword('correct horse batterY', hash);
    const realMs = Number(process.hrtime.bigint() - realStart) / 1e6;
    const dummyStart = process.hrtime.bigint();
    expect(await verifyDummyPassword('correct horse battery')).to.equal(false);
    const dummyMs = Number(process.hrtime.bigint() - dummyStart) / 1e6;
    // Same scrypt work: within a generous factor of each other (CI machines are noisy).
    expect(dummyMs).to.be.greaterThan(realMs / 3);
    expect(dummyMs).to.be.lessThan(realMs * 3);
  });
});
