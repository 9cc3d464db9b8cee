import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { answerClientError, refusalResponse } from '../../../../gateway/http-tracing/client-error';
import { RESPONSE_HEADERS } from '../../../../gateway/response-headers';

/** A socket stand-in that records what is written to it. */
function fakeSocket(headersSent?: boolean): PassThrough & { written: string; _httpMessage?: unknown } {
  const socket = Object.assign(new PassThrough(), { written: '' });
  socket.on('data', (chunk: Buffer) => (socket.written += chunk.toString('latin1')));
  if (headersSent !== undefined) Object.assign(socket, { _httpMessage: { headersSent } });
  return socket;
}

describe('gateway: answers to requests the HTTP parser refuses', () => {
  it('uses Node\'s status for each parser error, with every response header and a JSON body', () => {
    const cases: Array<[string | undefined, number]> = [
      ['HPE_HEADER_OVERFLOW', 431],
      ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413],
      ['ERR_HTTP_REQUEST_TIMEOUT', 408],
      ['HPE_UNEXPECTED_CONTENT_LENGTH', 400],
      [undefined, 400],
    ];
    for (const [code, status] of cases) {
      const raw = refusalResponse(code);
      const [head = '', body = ''] = raw.split('\r\n\r\n');
      expect(head.split('\r\n')[0], String(code)).to.match(new RegExp(`^HTTP/1\\.1 ${status} `));
      for (const [name, value] of Object.entries(RESPONSE_HEADERS)) expect(head, `${code} ${name}`).to.include(`\r\n${name}: ${value}`);
      expect(head).to.include('\r\nConnection: close');
      expect(head).to.include(`\r\nContent-Length: ${Buffer.byteLength(body)}`);
      expect(JSON.parse(body).error.message).to.match(/^request: /);
    }
  });

  it('writes the answer and closes the socket', async () => {
    const socket = fakeSocket();
    answerClientError(Object.assign(new Error('overflow'), { code: 'HPE_HEADER_OVERFLOW' }), socket);
    await new Promise((resolve) => socket.on('close', resolve));
    expect(socket.written).to.match(/^HTTP\/1\.1 431 /);
  });

  it('writes nothing once a response has begun, or after a reset', async () => {
    for (const [socket, code] of [
      [fakeSocket(true), 'HPE_INVALID_CHUNK_SIZE'],
      [fakeSocket(), 'ECONNRESET'],
    ] as const) {
      answerClientError(Object.assign(new Error('x'), { code }), socket);
      expect(socket.destroyed, code).to.equal(true);
      expect(socket.written, code).to.equal('');
    }
  });
});
