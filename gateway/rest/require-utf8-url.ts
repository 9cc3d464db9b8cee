import type { RequestHandler } from 'express';
import { sendErrorBody } from './errors';
import { urlUtf8Problem } from './utf8';

/**
 * Answers 400 for a request whose path or query, percent-decoded, is not UTF-8 (naming the part),
 * before any route decodes it: express and the query parser would otherwise turn the bytes into
 * U+FFFD, or fail on the path parameter as an internal error.
 */
export const requireUtf8Url: RequestHandler = (req, res, next) => {
  const problem = urlUtf8Problem(req.originalUrl);
  if (problem) sendErrorBody(res, 400, 'BAD_REQUEST', problem);
  else next();
};
