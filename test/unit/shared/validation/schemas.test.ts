import { expect } from 'chai';
import { z } from 'zod';
import { AppError } from '../../../../shared/errors/app-error';
import { email, INT32_MAX, limit, name, offset, password, parseOrThrow } from '../../../../shared/validation/schemas';

describe('shared validation schemas', () => {
  it('lower-cases and trims emails so uniqueness is case-insensitive', () => {
    expect(email.parse('  Ada@Example.COM ')).to.equal('ada@example.com');
  });

  it('accepts passwords of 8 to 128 characters with no composition rules', () => {
    expect(password.safeParse('a'.repeat(8)).success).to.equal(true);
    expect(password.safeParse('a'.repeat(128)).success).to.equal(true);
    expect(password.safeParse('a'.repeat(7)).success).to.equal(false);
    expect(password.safeParse('a'.repeat(129)).success).to.equal(false);
  });

  it('counts a password\'s length in characters, as the OpenAPI document does', () => {
    expect(password.safeParse('\u{1F600}'.repeat(4)).success).to.equal(false);
    expect(password.safeParse('\u{1F600}'.repeat(8)).success).to.equal(true);
  });

  it('checks maximum lengths before trimming, so the documented limit holds for what is sent', () => {
    expect(name.safeParse(`x${' '.repeat(100)}`).success).to.equal(false);
    expect(name.parse(`  ${'x'.repeat(96)}  `)).to.equal('x'.repeat(96));
    expect(email.safeParse(`${' '.repeat(250)}a@b.co`).success).to.equal(false);
  });

  it('refuses control characters in names (PostgreSQL cannot even store NUL)', () => {
    for (const bad of ['a\u0000b', 'tab\there', 'line\nbreak', 'esc\u001b[31m', 'c1\u0085']) {
      expect(() => parseOrThrow(z.object({ name }), { name: bad }), JSON.stringify(bad)).to.throw(AppError, 'name: must not contain control characters');
    }
    expect(name.parse('Zoë 李 \u{1F600}')).to.equal('Zoë 李 \u{1F600}');
  });

  it('limits offsets to what the contract\'s int32 can carry', () => {
    expect(offset.safeParse(INT32_MAX).success).to.equal(true);
    expect(() => parseOrThrow(z.object({ offset }), { offset: INT32_MAX + 1 })).to.throw(AppError, `offset: must be at most ${INT32_MAX}`);
  });

  it('parseOrThrow raises INVALID_ARGUMENT naming the field', () => {
    const input = z.object({ email, name, password });
    try {
      parseOrThrow(input, { email: 'not-an-email', name: 'x', password: 'long enough' });
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(AppError);
      expect((err as AppError).code).to.equal('INVALID_ARGUMENT');
      expect((err as AppError).message).to.equal('email: must be an email address');
    }
    expect(() => parseOrThrow(z.object({ name }), { name: '   ' })).to.throw(AppError, 'name: must not be empty');
    expect(() => parseOrThrow(z.object({ limit }), { limit: 101 })).to.throw(AppError, 'limit: must be at most 100');
  });
});
