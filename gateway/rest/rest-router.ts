import { Router, type Request, type RequestHandler } from 'express';
import type { Logger } from '../../shared/logging/logger';
import { createCaller, type ProcedurePath } from '../trpc/app-router';
import type { Context } from '../trpc/context';
import { buildInput } from './build-input';
import { sendError } from './errors';
import { jsonBody } from './json-body';
import { requireJsonBody } from './require-json-body';
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

/** The express handler of one table row: build the input, call the procedure, send the result. */
function handlerFor(route: RestRoute, deps: RestRouterDeps): RequestHandler {
  return async (req, res) => {
    try {
      const input = buildInput(route.input, {
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

/**
 * The REST API: every row of the table is its own express route (so tracing records the route
 * pattern as `http.route`), and every handler goes through the same tRPC procedures as `/trpc`.
 */
export function createRestRouter(deps: RestRouterDeps): Router {
  const router = Router();
  router.use('/api', jsonBody);
  for (const route of restRoutes) {
    if (route.input.body) router[route.method](route.path, requireJsonBody, handlerFor(route, deps));
    else router[route.method](route.path, handlerFor(route, deps));
  }
  return router;
}
