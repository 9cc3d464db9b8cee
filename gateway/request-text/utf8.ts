// Fatal: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD, so two different
// invalid inputs can never turn into the same text (two passwords into one).
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** What a body that is not UTF-8 gets (400), on REST and on `/trpc`. */
export const BODY_NOT_UTF8 = 'body: not valid UTF-8';

/** Whether `bytes` are valid UTF-8. */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * The bytes a piece of URL stands for: each `%XX` escape as its byte, anything else as it came off
 * the wire (Node hands the request target over as latin1, one character a byte). A malformed
 * escape (`%zz`) stays as its characters, as URLSearchParams leaves it.
 */
function percentDecodedBytes(text: string): Uint8Array {
  const raw = Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const hex = raw[i] === 0x25 ? raw.toString('latin1', i + 1, i + 3) : '';
    if (HEX.test(hex)) {
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = raw[i]!;
    }
  }
  return out.subarray(0, n);
}

const SAFE_NAME = /^[A-Za-z0-9_.-]{1,40}$/;

// Nothing to check: no escape, nothing beyond ASCII (almost every URL).
const PLAIN_ASCII = /^[\x00-\x24\x26-\x7f]*$/;

/**
 * What is wrong with the path of a request target (`/path?query`) whose percent-decoded text would
 * not be UTF-8: `path: ...`; undefined when it is fine. Decoders elsewhere (express's path
 * parameters, URLSearchParams) would turn such bytes into U+FFFD silently, or fail.
 */
export function pathUtf8Problem(url: string): string | undefined {
  if (PLAIN_ASCII.test(url)) return undefined;
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  return isUtf8(percentDecodedBytes(path)) ? undefined : 'path: not valid UTF-8 once percent-decoded';
}

/**
 * The same for the query of a request target, naming the parameter (`input: ...` for tRPC's GET
 * input; `query: ...` when the name itself is not plain).
 */
export function queryUtf8Problem(url: string): string | undefined {
  if (PLAIN_ASCII.test(url)) return undefined;
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return undefined;
  for (const pair of url.slice(queryAt + 1).split('&')) {
    const [name = '', value = ''] = pair.split(/=(.*)/s);
    const nameBytes = percentDecodedBytes(name.replace(/\+/g, ' '));
    if (isUtf8(nameBytes) && isUtf8(percentDecodedBytes(value))) continue;
    // The parameter's name when it is a plain one; caller text is never echoed otherwise.
    const decoded = Buffer.from(nameBytes).toString('utf8');
    return `${SAFE_NAME.test(decoded) ? decoded : 'query'}: not valid UTF-8 once percent-decoded`;
  }
  return undefined;
}
