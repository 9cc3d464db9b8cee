import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { RestErrorBody } from '../rest/errors';
import { RESPONSE_HEADERS } from '../response-headers';

/** What a request Node's HTTP parser refused gets: its status, and the code and message of the REST error body. */
interface ParserRefusal {
  status: number;
  code: TRPC_ERROR_CODE_KEY;
  message: string;
}

// Node's own choice of status for each parser error (lib/_http_server.js), with a message; anything
// else the parser refuses (a malformed request line or header, Transfer-Encoding with
// Content-Length, a bad chunk) is a 400.
const REFUSALS: Readonly<Record<string, ParserRefusal>> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'BAD_REQUEST', message: 'request: request line and headers too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request: chunk extensions too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'TIMEOUT', message: 'request: not received in time' },
};
const MALFORMED: ParserRefusal = { status: 400, code: 'BAD_REQUEST', message: 'request: not valid HTTP/1.1' };

/** The raw HTTP/1.1 response to a refused request: JSON error body, the security headers, then close. */
export function refusalResponse(errorCode: string | undefined): string {
  const { status, code, message } = (errorCode !== undefined && REFUSALS[errorCode]) || MALFORMED;
  const body = JSON.stringify({ error: { code, message } } satisfies RestErrorBody);
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...RESPONSE_HEADERS,
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** The part of a server socket Node keeps for its response in flight (not in its public types). */
interface HttpSocket extends Duplex {
  _httpMessage?: { headersSent?: boolean } | null;
}

/**
 * The gateway's `clientError` listener: answers a request Node's HTTP parser refused (431 for a
 * request line and headers over the limit, 400 for malformed HTTP, 408, 413) as Node itself would,
 * but with the headers every gateway response carries (response-headers.ts) and a JSON error body.
 * Nothing is written on a socket that cannot take it or whose response has begun; the connection
 * is closed either way, as Node does.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as HttpSocket)._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(refusalResponse(err.code), () => socket.destroy());
}
