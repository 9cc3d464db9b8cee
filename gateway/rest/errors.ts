import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { Logger } from '../../shared/logging/logger';
import { fromTrpcCode } from '../../shared/errors/status-map';
import { publicMessage } from '../trpc/error-message';
import { retryAfterSeconds, toTRPCError } from '../trpc/grpc-error';
import { bodyRefusal } from '../request-text/json-body';

/** The body of every REST error response. */
export interface RestErrorBody {
  error: { code: TRPC_ERROR_CODE_KEY; message: string };
}

/** Sends `{error: {code, message}}` with an explicit HTTP status. */
export function sendErrorBody(res: Response, status: number, code: TRPC_ERROR_CODE_KEY, message: string): void {
  const body: RestErrorBody = { error: { code, message } };
  res.status(status).json(body);
}

/**
 * Sends the REST error response for anything a route handler caught: the tRPC code and its safe
 * message, with the HTTP status from the shared status map. Internal errors are logged here,
 * because the response says only `internal error`.
 */
export function sendError(res: Response, err: unknown, logger: Logger): void {
  const error = err instanceof TRPCError ? err : toTRPCError(err);
  if (error.code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error.cause ?? error }, 'internal error');
  const retryAfter = retryAfterSeconds(error);
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  sendErrorBody(res, fromTrpcCode(error.code).http, error.code, publicMessage(error));
}

/** Answers every request no route took with a JSON 404. */
export const notFound: RequestHandler = (_req, res) => {
  sendErrorBody(res, 404, 'NOT_FOUND', 'route not found');
};

/**
 * The last error handler: body-parser failures become 4xx JSON naming the body (bodyRefusal),
 * anything else a JSON 500 `internal error` (express's own handler would send an HTML page, with
 * the stack outside production).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: Error & { type?: string }, _req, res, next) => {
    if (res.headersSent) return next(err);
    const refusal = bodyRefusal(err);
    if (refusal) return sendErrorBody(res, refusal.status, refusal.code, refusal.message);
    logger.error({ err }, 'unhandled error');
    return sendErrorBody(res, 500, 'INTERNAL_SERVER_ERROR', 'internal error');
  };
}
