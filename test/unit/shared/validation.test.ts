import { expect } from 'chai';
import { z } from 'zod';
import { AppError } from '../../../shared/errors/app-error';
import { email, limit, name, password, parseOrThrow } from '../../../shared/validation/schemas';

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
