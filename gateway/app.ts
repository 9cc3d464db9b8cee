import type { IncomingMessage } from 'node:http';
import { TRPCError } from '@trpc/server';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express } from 'express';
import type { Logger } from '../shared/logging/logger';
import type { GatewayConfig } from './config';
import type { GatewayClients } from './grpc-clients';
import { createHealthRouter } from './health';
import { mountRoute, traceRequests } from './http-tracing/request-tracing';
import { errorHandler, notFound } from './rest/errors';
import { hasNonJsonBody, JSON_BODY_LIMIT_BYTES } from './request-text/json-body';
import { buildOpenApiDocument } from './rest/openapi';
import { createRestRouter } from './rest/rest-router';
import { responseHeaders } from './response-headers';
import { appRouter } from './trpc/app-router';
import { limitBatch } from './trpc/batch-limit';
import { readTrpcRequest } from './trpc/read-request';
import { retryAfterSeconds } from './trpc/grpc-error';
import { createContextFactory } from './trpc/context';
import { NOT_JSON_BODY } from './trpc/error-message';

/** What the gateway app is built from. */
export interface AppDeps {
  config: GatewayConfig;
  clients: GatewayClients;
  logger: Logger;
  /** The client address of a request, resolved once (client-address.ts, after TRUST_PROXY). */
  clientAddress: (req: IncomingMessage) => string | undefined;
}

/**
 * The gateway's express app: `/health`, `/ready`, `/openapi.json`, tRPC at `/trpc` and the REST
 * API under `/api/v1`, with JSON errors everywhere.
 */
export function createApp(deps: AppDeps): Express {
  const { logger } = deps;
  const createContext = createContextFactory(deps);
  const openApiDocument = buildOpenApiDocument();

  const app = express();
  app.disable('x-powered-by');
  // Responses are per-caller API data; hashing every body for an ETag buys nothing here.
  app.set('etag', false);
  // Flat string values only (no `a[b]=` objects): the REST layer parses query numbers itself.
  app.set('query parser', 'simple');

  // nosniff and no-store on every response, errors and 404s included (response-headers.ts).
  app.use(responseHeaders);
  app.use(traceRequests(logger, deps.clientAddress));
  app.use(createHealthRouter(deps.clients.health));
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use(
    '/trpc',
    mountRoute('/trpc'),
    limitBatch(appRouter, deps.config.TRPC_MAX_BATCH),
    createExpressMiddleware({
      router: appRouter,
      createContext: ({ req }) => {
        // tRPC itself refuses text and form-urlencoded bodies, but hands multipart and
        // octet-stream ones to the procedure as FormData or a stream, which every input schema
        // then reports as missing fields. Thrown here, before any body is read, it is a 415.
        if (hasNonJsonBody(req)) throw new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: NOT_JSON_BODY });
        return createContext(req);
      },
      // The body checked and read as on REST, before tRPC sees it (read-request.ts).
      middleware: readTrpcRequest,
      allowBatching: true,
      maxBatchSize: deps.config.TRPC_MAX_BATCH,
      maxBodySize: JSON_BODY_LIMIT_BYTES,
      // A throttled or overloaded call tells the client when to retry, as on REST. A request tRPC
      // cannot even read (a text/plain body, no Content-Type) gets a JSON error body that tRPC
      // itself labels text/plain; label it as what it is.
      responseMeta: ({ info, errors }) => {
        const seconds = errors.map(retryAfterSeconds).find((s) => s !== undefined);
        return {
          headers: {
            ...(seconds === undefined ? {} : { 'retry-after': String(seconds) }),
            ...(info === undefined && errors.length > 0 ? { 'content-type': 'application/json' } : {}),
          },
        };
      },
      onError: ({ error, path }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error.cause ?? error, path }, 'internal error');
      },
    }),
  );
  app.use(createRestRouter({ createContext, logger }));
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
