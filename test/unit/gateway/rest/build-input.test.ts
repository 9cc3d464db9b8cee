import { TRPCError } from '@trpc/server';
import { expect } from 'chai';
import { buildInput, queryParam } from '../../../../gateway/rest/build-input';

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
      expect(queryParam({ limit: '20' }, 'limit', 'integer')).to.equal(20);
      expect(queryParam({ offset: '0' }, 'offset', 'integer')).to.equal(0);
      expect(queryParam({ limit: '-1' }, 'limit', 'integer')).to.equal(-1);
    });

    it('leaves an absent parameter undefined, so the schema default applies', () => {
      expect(queryParam({}, 'limit', 'integer')).to.equal(undefined);
    });

    for (const raw of ['abc', '1.5', '1e3', '0x10', ' 7', '7 ', '', '+5', 'Infinity', 'NaN']) {
      it(`rejects ${JSON.stringify(raw)} naming the field`, () => {
        expect(badRequest(() => queryParam({ limit: raw }, 'limit', 'integer'))).to.equal('limit: must be a whole number');
      });
    }

    it('rejects a repeated parameter', () => {
      expect(badRequest(() => queryParam({ offset: ['1', '2'] }, 'offset', 'integer'))).to.equal('offset: must be given once');
    });
  });

  describe('number query parameters', () => {
    it('parses whole and decimal numbers', () => {
      expect(queryParam({ score: '1.5' }, 'score', 'number')).to.equal(1.5);
      expect(queryParam({ score: '-2' }, 'score', 'number')).to.equal(-2);
    });

    for (const raw of ['1e3', '0x10', '.5', '5.', ' 1', '', 'Infinity', 'NaN', '1,5']) {
      it(`rejects ${JSON.stringify(raw)} naming the field`, () => {
        expect(badRequest(() => queryParam({ score: raw }, 'score', 'number'))).to.equal('score: must be a number');
      });
    }
  });

  describe('boolean query parameters', () => {
    it('reads "true" as true and "false" as false (never a non-empty string as true)', () => {
      expect(queryParam({ active: 'true' }, 'active', 'boolean')).to.equal(true);
      expect(queryParam({ active: 'false' }, 'active', 'boolean')).to.equal(false);
    });

    for (const raw of ['maybe', 'TRUE', 'False', '1', '0', 'yes', '', ' true']) {
      it(`rejects ${JSON.stringify(raw)} naming the field`, () => {
        expect(badRequest(() => queryParam({ active: raw }, 'active', 'boolean'))).to.equal('active: must be true or false');
      });
    }

    it('rejects a repeated parameter', () => {
      expect(badRequest(() => queryParam({ active: ['true', 'false'] }, 'active', 'boolean'))).to.equal('active: must be given once');
    });
  });

  describe('string (and enum) query parameters', () => {
    it('passes the text on as is, empty included, for the schema to check', () => {
      expect(queryParam({ prefix: 'Ad' }, 'prefix', 'string')).to.equal('Ad');
      expect(queryParam({ prefix: '' }, 'prefix', 'string')).to.equal('');
      expect(queryParam({ role: 'admin' }, 'role', 'string')).to.equal('admin');
    });

    it('rejects a repeated or nested parameter', () => {
      expect(badRequest(() => queryParam({ prefix: ['a', 'b'] }, 'prefix', 'string'))).to.equal('prefix: must be given once');
      expect(badRequest(() => queryParam({ prefix: { a: 'b' } }, 'prefix', 'string'))).to.equal('prefix: must be given once');
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

    const PAGE = [
      { name: 'limit', kind: 'integer' },
      { name: 'offset', kind: 'integer' },
    ] as const;

    it('turns query parameters into numbers and ignores undeclared ones', () => {
      const input = buildInput({ query: PAGE }, { params: {}, query: { limit: '5', offset: '10', sort: 'name' }, body: undefined });
      expect(input).to.deep.equal({ limit: 5, offset: 10 });
    });

    it('reads each query parameter as its kind says, leaving absent ones out', () => {
      const query = [
        { name: 'prefix', kind: 'string' },
        { name: 'role', kind: 'string' },
        { name: 'active', kind: 'boolean' },
        { name: 'limit', kind: 'integer' },
      ] as const;
      const input = buildInput({ query }, { params: {}, query: { prefix: 'Ad', active: 'false', limit: '3' }, body: undefined });
      expect(input).to.deep.equal({ prefix: 'Ad', active: false, limit: 3 });
    });

    it('names the bad query parameter', () => {
      const msg = badRequest(() => buildInput({ query: PAGE }, { params: {}, query: { limit: '5', offset: 'x' }, body: undefined }));
      expect(msg).to.equal('offset: must be a whole number');
    });

    it('lets a path parameter win over a query parameter of the same name', () => {
      const input = buildInput(
        { params: ['id'], query: [{ name: 'id', kind: 'string' }] },
        { params: { id: 'from-path' }, query: { id: 'from-query' }, body: undefined },
      );
      expect(input).to.deep.equal({ id: 'from-path' });
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
