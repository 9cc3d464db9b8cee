import type { RequestHandler } from 'express';
import { sendErrorBody } from './errors';
import { pathUtf8Problem } from '../request-text/utf8';

/**
 * Answers 400 for a request whose path, percent-decoded, is not UTF-8, before any route matches
 * it: express would otherwise fail on the path parameter (an internal error) or hand on U+FFFD.
 * The query is checked by the routes that read it (rest-router.ts).
 */
export const requireUtf8Path: RequestHandler = (req, res, next) => {
  const problem = pathUtf8Problem(req.originalUrl);
  if (problem) sendErrorBody(res, 400, 'BAD_REQUEST', problem);
  else next();
};
