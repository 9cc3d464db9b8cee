import { TRPCError } from '@trpc/server';
import { Router, type Request, type RequestHandler } from 'express';
import type { Logger } from '../../shared/logging/logger';
import { createCaller, procedureSchemas, type ProcedurePath, type ProcedureSchemas } from '../trpc/app-router';
import type { Context } from '../trpc/context';
import { buildInput, type InputSources } from './build-input';
import { sendError } from './errors';
import { jsonBody } from '../request-text/json-body';
import { queryParameters } from './query-parameters';
import { requireJsonBody } from './require-json-body';
import { requireUtf8Path } from './require-utf8-path';
import { queryUtf8Problem } from '../request-text/utf8';
import { restRoutes, type RestRoute } from './routes';

/** What the REST routes need from the app. */
export interface RestRouterDeps {
  createContext: (req: Request) => Context;
  logger: Logger;
}

type Caller = ReturnType<typeof createCaller>;
type ProcedureFn = (input: unknown) => Promise<unknown>;

/** The caller's function for a procedure path (`users.get` -> `caller.users.get`). */
function procedureAt(caller: Caller, path: ProcedurePath): ProcedureFn {
  const [namespace = '', name = ''] = path.split('.');
  const fn = (caller as unknown as Record<string, Record<string, ProcedureFn> | undefined>)[namespace]?.[name];
  if (!fn) throw new Error(`no procedure ${path}`);
  return fn;
}

/**
 * The express handler of one table row: build the input (from `sources`, the row's with its query
 * parameters typed), call the procedure, send the result. `readsQuery`: the procedure takes input,
 * so its query must be UTF-8 (percent-decoded).
 */
function handlerFor(route: RestRoute, sources: InputSources, readsQuery: boolean, deps: RestRouterDeps): RequestHandler {
  return async (req, res) => {
    try {
      const queryProblem = readsQuery ? queryUtf8Problem(req.originalUrl) : undefined;
      if (queryProblem) throw new TRPCError({ code: 'BAD_REQUEST', message: queryProblem });
      const input = buildInput(sources, {
        params: req.params as Record<string, string | undefined>,
        query: req.query as Record<string, unknown>,
        body: req.body as unknown,
      });
      const output = await procedureAt(createCaller(deps.createContext(req)), route.procedure)(input);
      if (route.status === 204) res.status(204).end();
      else res.status(route.status).json(output);
    } catch (err) {
      sendError(res, err, deps.logger);
    }
  };
}

// A segment with a parameter, a wildcard or an optional part (express's path syntax) matches
// more than its own text.
const VARIABLE_SEGMENT = /[:*{]/;

/** Per segment of an express path: 0 when it matches only itself, 1 when it matches more. */
function segmentKinds(path: string): number[] {
  return path.split('/').map((segment) => (VARIABLE_SEGMENT.test(segment) ? 1 : 0));
}

/** Orders two paths segment by segment, a fixed segment before a variable one in the same place. */
function compareSpecificity(a: string, b: string): number {
  const [ka, kb] = [segmentKinds(a), segmentKinds(b)];
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  }
  return ka.length - kb.length;
}

/**
 * The table in the order express must see it: express answers with the first route that matches,
 * so `GET /api/v1/users/count` after `GET /api/v1/users/:id` would be answered by the latter
 * ("id: must be a UUID"). Fixed segments go first, wherever the rows stand in the table; rows
 * equally specific keep their table order.
 */
export function inRegistrationOrder(routes: readonly RestRoute[]): RestRoute[] {
  return [...routes].sort((a, b) => compareSpecificity(a.path, b.path));
}

/**
 * The REST API: every row of the table (`routes`, by default the gateway's own) is its own express
 * route (so tracing records the route pattern as `http.route`), registered fixed paths first
 * ({@link inRegistrationOrder}), and every handler goes through the same tRPC procedures as `/trpc`.
 * Query parameters are typed from the procedures' input schemas (`schemas`, by default the
 * gateway's own) here, once: a row naming one its procedure cannot take throws.
 */
export function createRestRouter(
  deps: RestRouterDeps,
  routes: readonly RestRoute[] = restRoutes,
  schemas: Readonly<Record<ProcedurePath, ProcedureSchemas>> = procedureSchemas,
): Router {
  const router = Router();
  router.use('/api', requireUtf8Path, jsonBody);
  for (const route of inRegistrationOrder(routes)) {
    const input = schemas[route.procedure].input;
    const handler = handlerFor(route, { ...route.input, query: queryParameters(route, input) }, input !== undefined, deps);
    if (route.input.body) router[route.method](route.path, requireJsonBody, handler);
    else router[route.method](route.path, handler);
  }
  return router;
}
