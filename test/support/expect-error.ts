import { expect } from 'chai';
import type { HttpResult } from './http';

/**
 * Asserts a REST error: the HTTP status, the `{error:{code,message}}` body with the tRPC code key,
 * and (for validation errors) a message naming `field`.
 */
export function expectError(res: HttpResult, status: number, code: string, field?: string): void {
  const context = `${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, context).to.equal(status);
  expect(res.body, context).to.be.an('object').with.property('error').that.is.an('object');
  expect(res.body.error.code, context).to.equal(code);
  expect(res.body.error.message, context).to.be.a('string').and.not.equal('');
  if (field !== undefined) expect(res.body.error.message, context).to.include(field);
  // Internals must not leak into error bodies.
  expect(JSON.stringify(res.body), context).not.to.match(/\bat .+\.js:\d+/);
}
