import { getErrorShape, TRPCError, type AnyRouter } from '@trpc/server';
import type { RequestHandler } from 'express';

/**
 * How many procedure calls a `/trpc` request names, counted as tRPC will: with `batch=1` the path
 * is a comma-separated list (tRPC percent-decodes it first, so `%2C` separates too), else one.
 * `url` is the request's URL below the `/trpc` mount.
 */
export function batchLength(url: string): number {
  const { pathname, searchParams } = new URL(url, 'http://gateway');
  if (searchParams.get('batch') !== '1') return 1;
  return pathname.slice(1).replace(/%2c/gi, ',').split(',').length;
}

/**
 * Refuses a tRPC batch of more than `max` calls before anything else of the request happens (no
 * body read, no context, no procedure): 400 BAD_REQUEST in tRPC's error shape (the router's error
 * formatter applies), naming the limit. tRPC's own `maxBatchSize` stays set as well, but its
 * message does not say what the limit is.
 */
export function limitBatch(router: AnyRouter, max: number): RequestHandler {
  return (req, res, next) => {
    const calls = batchLength(req.url);
    if (calls <= max) return next();
    const error = new TRPCError({ code: 'BAD_REQUEST', message: `batch: at most ${max} calls per request (TRPC_MAX_BATCH), got ${calls}` });
    const shape = getErrorShape({ config: router._def._config, error, type: 'unknown', path: undefined, input: undefined, ctx: undefined });
    res.status(shape.data.httpStatus).json({ error: shape });
  };
}
