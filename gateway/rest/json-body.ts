import express from 'express';

/** Largest JSON body accepted, REST and tRPC alike. */
export const JSON_BODY_LIMIT_BYTES = 100 * 1024;

/**
 * JSON body parsing for the REST routes: `application/json` with any parameters (a
 * `; charset=utf-8` suffix included) and `application/*+json`. Failures reach the JSON error handler.
 */
export const jsonBody = express.json({
  type: ['application/json', 'application/*+json'],
  limit: JSON_BODY_LIMIT_BYTES,
});
