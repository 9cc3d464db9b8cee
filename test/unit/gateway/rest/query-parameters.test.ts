import { expect } from 'chai';
import { z } from 'zod';
import { queryKindOf, queryParameters } from '../../../../gateway/rest/query-parameters';
import type { RestRoute } from '../../../../gateway/rest/routes';
import { limit, role } from '../../../../shared/validation/schemas';

const row = (query: string[]): RestRoute => ({
  method: 'get',
  path: '/api/v1/things',
  procedure: 'users.list',
  input: { query },
  status: 200,
  summary: 'things',
  protected: true,
});

describe('gateway: REST query parameters typed from the input schema (query-parameters.ts)', () => {
  const input = z.object({
    prefix: z.string().min(1),
    role: role.optional(),
    kind: z.literal('person').optional(),
    active: z.boolean().default(true),
    limit: limit.default(20),
    score: z.number().optional(),
    tags: z.array(z.string()).optional(),
    either: z.union([z.string(), z.number()]).optional(),
  });

  it('derives each kind, whether it is required, and its JSON Schema from the field', () => {
    const params = queryParameters(row(['prefix', 'role', 'kind', 'active', 'limit', 'score']), input);
    const byName = Object.fromEntries(params.map((p) => [p.name, p]));
    expect(params.map((p) => [p.name, p.kind, p.required])).to.deep.equal([
      ['prefix', 'string', true],
      ['role', 'string', false],
      ['kind', 'string', false],
      ['active', 'boolean', false],
      ['limit', 'integer', false],
      ['score', 'number', false],
    ]);
    expect(byName.role!.schema).to.include({ type: 'string' }).and.to.have.deep.property('enum', ['user', 'admin']);
    expect(byName.active!.schema).to.include({ type: 'boolean', default: true });
    expect(byName.limit!.schema).to.include({ type: 'integer', minimum: 1, maximum: 100 });
    expect(byName.prefix!.schema).to.include({ type: 'string', minLength: 1 });
  });

  it('gives nothing for a row without query parameters', () => {
    expect(queryParameters(row([]), input)).to.deep.equal([]);
    expect(queryParameters(row([]), undefined)).to.deep.equal([]);
  });

  it('refuses, naming the route and the parameter, a name the input does not have', () => {
    expect(() => queryParameters(row(['nope']), input)).to.throw('GET /api/v1/things: query parameter nope is not a field of the input of users.list');
    expect(() => queryParameters(row(['prefix']), undefined)).to.throw('query parameter prefix is not a field');
  });

  for (const name of ['tags', 'either']) {
    it(`refuses a field a query string cannot carry (${name})`, () => {
      expect(() => queryParameters(row([name]), input)).to.throw(`query parameter ${name} is not a string, enum, integer, number or boolean`);
    });
  }

  it('reads an enum of strings as a string and one of anything else as nothing', () => {
    expect(queryKindOf({ enum: ['a', 'b'] })).to.equal('string');
    expect(queryKindOf({ enum: [1, 2] })).to.equal(undefined);
    expect(queryKindOf({ type: 'object' })).to.equal(undefined);
  });
});
