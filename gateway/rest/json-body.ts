import express, { type Request } from 'express';

/** Largest JSON body accepted, REST and tRPC alike. */
export const JSON_BODY_LIMIT_BYTES = 100 * 1024;

/** The media types read as JSON: `application/json` with any parameters, and `application/*+json`. */
const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/**
 * JSON body parsing for the REST routes: `application/json` with any parameters (a
 * `; charset=utf-8` suffix included) and `application/*+json`. Failures reach the JSON error handler.
 */
export const jsonBody = express.json({ type: JSON_MEDIA_TYPES, limit: JSON_BODY_LIMIT_BYTES });

/**
 * Whether a request carries a body in anything but JSON: a Content-Type that is not JSON (text,
 * form data, multipart, octet-stream), or bytes with no Content-Type at all. A request without
 * a body is not one, whatever its headers say, so a bare POST still reaches input validation.
 */
export function hasNonJsonBody(req: Request): boolean {
  if (req.headers['content-type'] === undefined) {
    return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  }
  // null: no body at all; false: a body of another type.
  return req.is(JSON_MEDIA_TYPES) === false;
}
