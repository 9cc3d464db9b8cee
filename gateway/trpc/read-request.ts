import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { bodyRefusal, jsonText } from '../request-text/json-body';
import { pathUtf8Problem, queryUtf8Problem } from '../request-text/utf8';

/**
 * tRPC's `middleware` for `/trpc`, run before tRPC reads anything: a target whose percent-decoded
 * path or query (`?input=`) is not UTF-8 is refused, and a JSON body is read and checked as on
 * REST (valid UTF-8, within the size limit) and handed to tRPC as text. A refusal reaches every
 * call of the request as its error, in tRPC's shape (400, 413 or 415 naming the problem).
 */
export function readTrpcRequest(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse, next: (err?: unknown) => void): void {
  const url = req.originalUrl ?? req.url ?? '/';
  const problem = pathUtf8Problem(url) ?? queryUtf8Problem(url);
  if (problem) return next(new TRPCError({ code: 'BAD_REQUEST', message: problem }));
  jsonText(req as Parameters<typeof jsonText>[0], res as Parameters<typeof jsonText>[1], (err?: unknown) => {
    if (err === undefined) return next();
    const refusal = bodyRefusal(err as { type?: string });
    next(refusal ? new TRPCError({ code: refusal.code, message: refusal.message }) : err);
  });
}
