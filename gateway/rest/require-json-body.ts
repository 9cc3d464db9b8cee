import type { RequestHandler } from 'express';
import { NOT_JSON_BODY } from '../trpc/error-message';
import { sendErrorBody } from './errors';
import { hasNonJsonBody } from '../request-text/json-body';

/**
 * Answers 415 for a body that is not JSON on a route that takes one. Without it such a body would
 * simply be left unparsed, and the caller would be told about a missing field instead.
 */
export const requireJsonBody: RequestHandler = (req, res, next) => {
  if (hasNonJsonBody(req)) sendErrorBody(res, 415, 'UNSUPPORTED_MEDIA_TYPE', NOT_JSON_BODY);
  else next();
};
