import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import express, { type Request } from 'express';
import { BODY_NOT_UTF8, isUtf8 } from './utf8';

/** Largest JSON body accepted, REST and tRPC alike. */
export const JSON_BODY_LIMIT_BYTES = 100 * 1024;

/** The media types read as JSON: `application/json` with any parameters, and `application/*+json`. */
const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/**
 * The body parsers' check of the raw bytes, before anything decodes them: JSON text is UTF-8 (RFC
 * 8259 §8.1), and only valid UTF-8. The parsers' own decoder would turn invalid bytes into U+FFFD,
 * so two different invalid passwords would become the same one.
 */
function requireUtf8(_req: IncomingMessage, _res: ServerResponse, body: Buffer, encoding: string): void {
  if (encoding !== 'utf-8' && encoding !== 'utf8') throw Object.assign(new Error('charset'), { type: 'charset.unsupported' });
  if (!isUtf8(body)) throw Object.assign(new Error(BODY_NOT_UTF8), { type: BODY_NOT_UTF8_TYPE });
}

// The error type requireUtf8 raises through the body parser.
const BODY_NOT_UTF8_TYPE = 'entity.utf8.invalid';

/**
 * JSON body parsing for the REST routes: `application/json` with any parameters (a
 * `; charset=utf-8` suffix included) and `application/*+json`, valid UTF-8 only. Failures reach
 * the JSON error handler.
 */
export const jsonBody = express.json({ type: JSON_MEDIA_TYPES, limit: JSON_BODY_LIMIT_BYTES, verify: requireUtf8 });

/**
 * The same for `/trpc`, read as text: tRPC parses a string `req.body` itself, so its answers (a
 * malformed body included) stay its own, but the bytes were checked first.
 */
export const jsonText = express.text({ type: JSON_MEDIA_TYPES, limit: JSON_BODY_LIMIT_BYTES, verify: requireUtf8 });

/** What a body the parsers refused gets, REST and tRPC alike. */
export interface BodyRefusal {
  status: number;
  code: TRPC_ERROR_CODE_KEY;
  message: string;
}

/** The answer to a body parser failure (`err.type`); undefined for anything else. */
export function bodyRefusal(err: { type?: string } | undefined): BodyRefusal | undefined {
  switch (err?.type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'BAD_REQUEST', message: 'body: malformed JSON' };
    case BODY_NOT_UTF8_TYPE:
      return { status: 400, code: 'BAD_REQUEST', message: BODY_NOT_UTF8 };
    case 'entity.too.large':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `body: larger than ${JSON_BODY_LIMIT_BYTES} bytes` };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'body: unsupported encoding' };
    case 'request.aborted':
      return { status: 400, code: 'BAD_REQUEST', message: 'body: request aborted' };
    default:
      return undefined;
  }
}

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
