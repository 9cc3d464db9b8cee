import { TRPCError } from '@trpc/server';
import { expect } from 'chai';
import { buildInput, integerQueryParam } from '../../../../gateway/rest/build-input';

/** The error `fn` throws (it must throw a BAD_REQUEST TRPCError). */
function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(TRPCError);
    expect((err as TRPCError).code).to.equal('BAD_REQUEST');
    return (err as TRPCError).message;
  }
  throw new Error('expected BAD_REQUEST');
}

describe('gateway: REST input building', () => {
  describe('whole-number query parameters', () => {
    it('parses digits (and a leading minus, left to the schema to reject)', () => {
      expect(integerQueryParam({ limit: '20' }, 'limit')).to.equal(20);
      expect(integerQueryParam({ offset: '0' }, 'offset')).to.equal(0);
      expect(integerQueryParam({ limit: '-1' }, 'limit')).to.equal(-1);
    });

    it('leaves an absent parameter undefined, so the schema default applies', () => {
      expect(integerQueryParam({}, 'limit')).to.equal(undefined);
    });

    for (const raw of ['abc', '1.5', '1e3', '0x10', ' 7', '7 ', '', '+5', 'Infinity', 'NaN']) {
      it(`rejects ${JSON.stringify(raw)} naming the field`, () => {
        expect(badRequest(() => integerQueryParam({ limit: raw }, 'limit'))).to.equal('limit: must be a whole number');
      });
    }

    it('rejects a repeated parameter', () => {
      expect(badRequest(() => integerQueryParam({ offset: ['1', '2'] }, 'offset'))).to.equal('offset: must be given once');
    });
  });

  describe('buildInput', () => {
    it('returns undefined for a route without input', () => {
      expect(buildInput({}, { params: {}, query: {}, body: { ignored: true } })).to.equal(undefined);
    });

    it('merges body fields with path parameters, the path winning', () => {
      const input = buildInput(
        { params: ['id'], body: true },
        { params: { id: 'from-path' }, query: {}, body: { id: 'from-body', name: 'Ada' } },
      );
      expect(input).to.deep.equal({ id: 'from-path', name: 'Ada' });
    });

    it('turns query parameters into numbers and ignores undeclared ones', () => {
      const input = buildInput(
        { integerQuery: ['limit', 'offset'] },
        { params: {}, query: { limit: '5', offset: '10', sort: 'name' }, body: undefined },
      );
      expect(input).to.deep.equal({ limit: 5, offset: 10 });
    });

    it('names the bad query parameter', () => {
      const msg = badRequest(() =>
        buildInput({ integerQuery: ['limit', 'offset'] }, { params: {}, query: { limit: '5', offset: 'x' }, body: undefined }),
      );
      expect(msg).to.equal('offset: must be a whole number');
    });

    it('treats a missing body as empty (the schema then names the missing fields)', () => {
      expect(buildInput({ body: true }, { params: {}, query: {}, body: undefined })).to.deep.equal({});
    });

    it('rejects a JSON body that is not an object', () => {
      for (const body of [[1, 2], 'text', 7, null]) {
        expect(badRequest(() => buildInput({ body: true }, { params: {}, query: {}, body }))).to.equal(
          'body: must be a JSON object',
        );
      }
    });
  });
});
