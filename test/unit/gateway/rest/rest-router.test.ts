import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import pino from 'pino';
import { z } from 'zod';
import { createRestRouter, inRegistrationOrder } from '../../../../gateway/rest/rest-router';
import { restRoutes, type RestRoute } from '../../../../gateway/rest/routes';
import { procedureSchemas } from '../../../../gateway/trpc/app-router';
import type { Context } from '../../../../gateway/trpc/context';
import { QUERY_KINDS_ROUTE } from '../../../support/query-route';

/** What a recording app answered: the status and the error message, if any. */
interface Answer {
  status: number;
  message?: string;
}

/**
 * A REST app over `routes` (their procedures' schemas from `schemas`) whose handlers report which
 * row a request reached, and go no further.
 */
async function startRecording(
  routes: readonly RestRoute[],
  schemas = procedureSchemas,
): Promise<{ reached(method: string, path: string): Promise<string>; answer(path: string): Promise<Answer>; close(): Promise<void> }> {
  let last: string | undefined;
  const createContext = (req: express.Request): Context => {
    // The row's own pattern, as express matched it; the procedure never runs.
    last = `${req.method} ${(req.route as { path: string }).path}`;
    throw new Error('recorded');
  };
  const app = express().use(createRestRouter({ createContext, logger: pino({ level: 'silent' }) }, routes, schemas));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async reached(method, path) {
      last = undefined;
      const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      await res.text();
      return last ?? `no row (${res.status})`;
    },
    async answer(path) {
      const res = await fetch(`${base}${path}`);
      const body = (await res.json()) as { error?: { message?: string } };
      return { status: res.status, ...(body.error?.message !== undefined && { message: body.error.message }) };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const row = (method: RestRoute['method'], path: string, procedure: RestRoute['procedure']): RestRoute => ({
  method,
  path,
  procedure,
  input: path.includes(':') ? { params: ['id'] } : {},
  status: 200,
  summary: path,
  protected: true,
});

/** A concrete path the express pattern matches: each parameter or wildcard filled with a sample. */
const samplePath = (pattern: string) => pattern.replace(/[:*](\w+)/g, 'sample-$1').replace(/[{}]/g, '');

describe('gateway: REST routes are registered fixed paths first (rest-router.ts)', () => {
  const byId = row('get', '/api/v1/users/:id', 'users.get');
  const count = row('get', '/api/v1/users/count', 'users.list');
  const ID = '8c1f0e4a-3d2b-4c5e-9f6a-7b8c9d0e1f2a';

  for (const [order, table] of [
    ['after', [byId, count]],
    ['before', [count, byId]],
  ] as const) {
    it(`answers GET /api/v1/users/count with its own row when it stands ${order} /api/v1/users/:id in the table`, async () => {
      const app = await startRecording(table);
      try {
        expect(await app.reached('GET', '/api/v1/users/count')).to.equal('GET /api/v1/users/count');
        expect(await app.reached('GET', `/api/v1/users/${ID}`)).to.equal('GET /api/v1/users/:id');
      } finally {
        await app.close();
      }
    });
  }

  it('keeps rows that are equally specific in table order, and orders by the first segment that differs', () => {
    const table = [
      row('get', '/a/:id/b', 'users.get'),
      row('get', '/a/:id/:other', 'users.get'),
      row('get', '/a/x/:other', 'users.get'),
      row('patch', '/a/:id', 'users.update'),
      row('get', '/a/:id', 'users.get'),
    ];
    expect(inRegistrationOrder(table).map((r) => `${r.method} ${r.path}`)).to.deep.equal([
      'get /a/x/:other',
      'patch /a/:id',
      'get /a/:id',
      'get /a/:id/b',
      'get /a/:id/:other',
    ]);
  });

  it("answers every row of the gateway's table with that row, not one registered before it", async () => {
    const app = await startRecording(restRoutes);
    try {
      for (const route of restRoutes) {
        const method = route.method.toUpperCase();
        const own = `${method} ${route.path}`;
        const reached = await app.reached(method, samplePath(route.path));
        expect(reached, `${own} is shadowed by ${reached}: give it a path no earlier row's pattern matches`).to.equal(own);
      }
    } finally {
      await app.close();
    }
  });
});

describe('gateway: REST query parameters of every kind (rest-router.ts)', () => {
  // A row onto users.list whose input (here) takes a string, an enum, a boolean and a whole number.
  const search = QUERY_KINDS_ROUTE;
  const schemas = {
    ...procedureSchemas,
    'users.list': { input: z.object({ prefix: z.string(), role: z.enum(['user', 'admin']).optional(), active: z.boolean().optional(), limit: z.number().int().optional() }) },
  };
  let app: Awaited<ReturnType<typeof startRecording>>;
  before(async () => {
    app = await startRecording([search], schemas);
  });
  after(async () => {
    await app.close();
  });

  it('takes well-formed values of every kind as far as the procedure', async () => {
    for (const query of ['prefix=Ad', 'prefix=&role=admin&active=false&limit=3', 'prefix=x&active=true']) {
      expect(await app.reached('GET', `/api/v1/things?${query}`), query).to.equal('GET /api/v1/things');
    }
  });

  for (const [query, message] of [
    ['prefix=a&active=maybe', 'active: must be true or false'],
    ['prefix=a&active=1', 'active: must be true or false'],
    ['prefix=a&limit=ten', 'limit: must be a whole number'],
    ['prefix=a&prefix=b', 'prefix: must be given once'],
  ] as const) {
    it(`answers ?${query} with 400 naming the parameter, before the procedure`, async () => {
      expect(await app.answer(`/api/v1/things?${query}`)).to.deep.equal({ status: 400, message });
    });
  }

  it('refuses at construction a row naming a query parameter its procedure does not take', () => {
    const bad = { ...search, input: { query: ['prefix', 'nope'] } };
    expect(() => createRestRouter({ createContext: () => ({}) as Context, logger: pino({ level: 'silent' }) }, [bad], schemas)).to.throw(
      'GET /api/v1/things: query parameter nope is not a field of the input of users.list',
    );
  });
});
