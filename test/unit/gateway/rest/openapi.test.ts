import { expect } from 'chai';
import { z } from 'zod';
import { buildOpenApiDocument, openApiPath } from '../../../../gateway/rest/openapi';
import { restRoutes } from '../../../../gateway/rest/routes';
import { RESPONSE_HEADERS } from '../../../../gateway/response-headers';
import { appRouter, procedureSchemas, proceduresOf } from '../../../../gateway/trpc/app-router';
import { QUERY_KINDS_ROUTE } from '../../../support/query-route';

type Operation = {
  operationId: string;
  parameters?: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
  requestBody?: { required: boolean; content: Record<string, { schema: any }> };
  responses: Record<string, { content?: Record<string, { schema: any }>; headers?: Record<string, { $ref: string }> }>;
  security?: unknown;
};

describe('gateway: REST table and OpenAPI document', () => {
  const doc = buildOpenApiDocument();
  const op = (method: string, path: string) => doc.paths[path]?.[method] as Operation;

  it('has one REST row and one OpenAPI operation for every tRPC procedure, and no row without a procedure', () => {
    const procedures = proceduresOf(appRouter);
    for (const path of Object.keys(procedures)) {
      const rows = restRoutes.filter((r) => r.procedure === path);
      expect(rows.map((r) => `${r.method} ${r.path}`), `procedure ${path}: rows of gateway/rest/routes.ts`).to.have.length(1);
      const row = rows[0]!;
      expect(op(row.method, openApiPath(row.path)), `procedure ${path}: /openapi.json at ${row.method} ${openApiPath(row.path)}`).to.be.an('object');
    }
    for (const route of restRoutes) expect(procedures, `${route.method} ${route.path}: its procedure`).to.have.property(route.procedure);
    const operationIds = Object.values(doc.paths).flatMap((item) => Object.values(item).map((o) => (o as Operation).operationId));
    expect(new Set(operationIds).size, 'one operation, with its own operationId, per procedure').to.equal(Object.keys(procedures).length);
  });

  it("validates with the procedures' own input schemas, one entry per procedure in procedureSchemas", () => {
    const procedures = proceduresOf(appRouter);
    for (const path of Object.keys(procedures)) expect(procedureSchemas, `procedure ${path}: its entry in procedureSchemas`).to.have.property(path);
    for (const path of Object.keys(procedureSchemas)) expect(procedures, `procedureSchemas.${path}: its procedure`).to.have.property(path);
    for (const [path, procedure] of Object.entries(procedures)) {
      const inputs = (procedure._def as unknown as { inputs: unknown[] }).inputs;
      expect(inputs[0], path).to.equal(procedureSchemas[path as keyof typeof procedureSchemas].input);
    }
  });

  it('serves queries on GET and mutations on every other method, in the REST table and the OpenAPI document alike', () => {
    const procedures = proceduresOf(appRouter);
    for (const route of restRoutes) {
      const type = procedures[route.procedure]?._def.type;
      const expected = route.method === 'get' ? 'query' : 'mutation';
      expect(type, `${route.method.toUpperCase()} ${route.path} calls ${route.procedure}, a ${type}: GET rows call queries, other methods mutations`).to.equal(expected);
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const row = restRoutes.find((r) => r.method === method && openApiPath(r.path) === path);
        expect(row, `/openapi.json ${method} ${path} (${(operation as Operation).operationId}): its row`).to.not.equal(undefined);
      }
    }
    // Both kinds are in use, so neither direction of the rule is checked against nothing.
    const types = Object.values(procedures).map((p) => p._def.type);
    expect(types).to.include.members(['query', 'mutation']);
  });

  it('is OpenAPI 3.1 with a bearer scheme and an error schema', () => {
    expect(doc.openapi).to.equal('3.1.0');
    expect(doc.components.securitySchemes).to.deep.equal({ bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } });
    expect(doc.components.schemas).to.have.nested.property('Error.properties.error.required').that.deep.equals(['code', 'message']);
  });

  it('documents every row with its method, success status and security', () => {
    for (const route of restRoutes) {
      const operation = op(route.method, openApiPath(route.path));
      const what = `${route.method} ${route.path}`;
      expect(operation, what).to.be.an('object');
      expect(Object.keys(operation.responses), what).to.include(String(route.status));
      expect(Object.keys(operation.responses).filter((s) => /^2/.test(s)), what).to.deep.equal([String(route.status)]);
      if (route.protected) {
        expect(operation.security, what).to.deep.equal([{ bearerAuth: [] }]);
        expect(operation.responses['401'], what).to.be.an('object');
      } else {
        expect(operation.security, what).to.equal(undefined);
      }
      expect(operation.responses, what).to.not.have.property('default');
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status === String(route.status)) continue;
        expect(response.content!['application/json']!.schema, `${what} ${status}`).to.deep.equal({
          $ref: '#/components/schemas/Error',
        });
      }
      expect(Object.keys(operation.responses), what).to.include.members(['500', '503', '504']);
      if (route.input.body) expect(Object.keys(operation.responses), what).to.include.members(['413', '415']);
      else expect(Object.keys(operation.responses), what).to.not.include.members(['415']);
    }
    expect(Object.values(doc.paths).flatMap((item) => Object.keys(item))).to.have.length(restRoutes.length);
  });

  it('documents the error statuses particular to an operation, from the table', () => {
    const codes = (method: string, path: string) => Object.keys(op(method, path).responses);
    expect(codes('post', '/api/v1/auth/register')).to.include.members(['400', '409', '429']).and.not.include('401');
    expect(codes('post', '/api/v1/auth/login')).to.include.members(['400', '401', '429']);
    expect(codes('patch', '/api/v1/users/{id}')).to.include.members(['400', '401', '403', '404', '409']);
    expect(codes('delete', '/api/v1/users/{id}')).to.include.members(['400', '401', '403', '404']).and.not.include('409');
    expect(codes('get', '/api/v1/auth/me')).to.not.include('400');
  });

  it('documents 201 and 204 as such: register returns a body, logout and delete none', () => {
    const register = op('post', '/api/v1/auth/register').responses['201']!;
    expect(register.content!['application/json']!.schema.required).to.include.members(['user', 'accessToken']);
    expect(op('post', '/api/v1/auth/logout').responses['204']!.content).to.equal(undefined);
    expect(op('delete', '/api/v1/users/{id}').responses['204']!.content).to.equal(undefined);
  });

  it("says email and role may be absent from other users (users.get, users.list), never from the caller's own", () => {
    const success = (method: string, path: string, status = '200') => op(method, path).responses[status]!.content!['application/json']!.schema;
    const optionalFields = (user: { required: string[]; properties: Record<string, unknown> }) =>
      Object.keys(user.properties).filter((name) => !user.required.includes(name)).sort();
    expect(optionalFields(success('get', '/api/v1/users/{id}').properties.user)).to.deep.equal(['email', 'role']);
    expect(optionalFields(success('get', '/api/v1/users').properties.users.items)).to.deep.equal(['email', 'role']);
    expect(success('get', '/api/v1/users/{id}').properties.user.properties.email.description).to.match(/admins/);
    expect(optionalFields(success('get', '/api/v1/auth/me').properties.user)).to.deep.equal([]);
    expect(optionalFields(success('patch', '/api/v1/users/{id}').properties.user)).to.deep.equal([]);
    expect(optionalFields(success('post', '/api/v1/auth/register', '201').properties.user)).to.deep.equal([]);
  });

  it('describes request bodies from the zod inputs, email format included', () => {
    const body = op('post', '/api/v1/auth/register').requestBody!;
    expect(body.required).to.equal(true);
    const schema = body.content['application/json']!.schema;
    expect(schema.required).to.have.members(['email', 'password', 'name']);
    expect(schema.properties.email).to.include({ type: 'string', format: 'email' });
    expect(schema.properties.password).to.include({ minLength: 8, maxLength: 128 });
    expect(schema).to.not.have.property('$schema');
  });

  it('gives every body an example that passes the procedure\'s own validation', () => {
    for (const route of restRoutes.filter((r) => r.input.body)) {
      const media = op(route.method, openApiPath(route.path)).requestBody!.content['application/json']! as { example?: unknown };
      expect(route.example, route.path).to.be.an('object');
      expect(media.example, route.path).to.deep.equal(route.example);
      const input = { ...(route.example ?? {}), ...Object.fromEntries((route.input.params ?? []).map((p) => [p, '8c1f0e4a-3d2b-4c5e-9f6a-7b8c9d0e1f2a'])) };
      const result = procedureSchemas[route.procedure].input!.safeParse(input);
      expect(result.success, `${route.path}: ${JSON.stringify(result.error?.issues)}`).to.equal(true);
    }
  });

  it('takes path parameters out of the body and lists them as parameters', () => {
    const update = op('patch', '/api/v1/users/{id}');
    expect(update.parameters).to.deep.equal([
      { name: 'id', in: 'path', required: true, schema: update.parameters![0]!.schema },
    ]);
    expect(update.parameters![0]!.schema).to.include({ type: 'string', format: 'uuid' });
    const body = update.requestBody!.content['application/json']!.schema;
    expect(Object.keys(body.properties)).to.have.members(['name', 'email', 'role']);
    expect(body).to.not.have.property('required');
    expect(update.requestBody!.required).to.equal(false);
    expect(body.properties.role.enum).to.deep.equal(['user', 'admin']);
  });

  it('documents list paging as optional integer query parameters with their ranges', () => {
    const list = op('get', '/api/v1/users');
    const byName = Object.fromEntries(list.parameters!.map((p) => [p.name, p]));
    expect(byName.limit).to.deep.include({ in: 'query', required: false });
    expect(byName.limit!.schema).to.include({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(byName.offset!.schema).to.include({ type: 'integer', minimum: 0, maximum: 2_147_483_647, default: 0 });
    expect(list.requestBody).to.equal(undefined);
  });

  it('documents each query parameter with the type, enum and default of its field in the input schema', () => {
    const route = QUERY_KINDS_ROUTE;
    const input = z.object({ prefix: z.string().min(1), role: z.enum(['user', 'admin']).optional(), active: z.boolean().default(false), limit: z.number().int().optional() });
    const things = buildOpenApiDocument([route], { ...procedureSchemas, 'users.list': { input } }).paths['/api/v1/things']!.get as Operation;
    const byName = Object.fromEntries(things.parameters!.map((p) => [p.name, p]));
    expect(things.parameters!.map((p) => [p.name, p.in, p.required])).to.deep.equal([
      ['prefix', 'query', true],
      ['role', 'query', false],
      ['active', 'query', false],
      ['limit', 'query', false],
    ]);
    expect(byName.prefix!.schema).to.include({ type: 'string', minLength: 1 });
    expect(byName.role!.schema).to.deep.include({ type: 'string', enum: ['user', 'admin'] });
    expect(byName.active!.schema).to.include({ type: 'boolean', default: false });
    expect(byName.limit!.schema).to.include({ type: 'integer' });
    expect(things.requestBody).to.equal(undefined);
    expect(Object.keys(things.responses)).to.include('400');
  });

  it('documents the headers every response carries, with the values the gateway sends, and Retry-After on every 429', () => {
    const components = doc.components.headers as Record<string, { required: boolean; schema: { enum?: string[]; pattern?: string } }>;
    for (const [name, value] of Object.entries(RESPONSE_HEADERS)) {
      expect(components[name], name).to.deep.include({ required: true, schema: { type: 'string', enum: [value] } });
    }
    expect(components['Retry-After']).to.deep.include({ required: true });
    let statuses = 0;
    for (const route of restRoutes) {
      const operation = op(route.method, openApiPath(route.path));
      for (const [status, response] of Object.entries(operation.responses)) {
        const what = `${route.method} ${route.path} ${status}`;
        const expected = Object.keys(RESPONSE_HEADERS).concat(status === '429' ? ['Retry-After'] : []);
        expect(Object.keys(response.headers ?? {}), what).to.have.members(expected);
        for (const [name, ref] of Object.entries(response.headers ?? {})) expect(ref, what).to.deep.equal({ $ref: `#/components/headers/${name}` });
        statuses++;
      }
    }
    expect(statuses).to.be.greaterThan(restRoutes.length * 3);
  });
});
