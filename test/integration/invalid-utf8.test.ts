import { expect } from 'chai';
import { GOOD_PASSWORD, uniqueEmail } from '../support/accounts';
import { get, post } from '../support/http';
import { forEachDatabase } from '../support/databases';
import { useStack } from '../support/stack';

const ID = '3f1c1d52-7c55-4c8e-9d8c-0a4b7a1e2f10';

/** A JSON object's bytes with `raw` (not UTF-8) spliced into the password string. */
function withBytesInPassword(fields: Record<string, string>, raw: number[]): Buffer {
  const [before = '', after = ''] = JSON.stringify({ ...fields, password: '@@' }).split('@@');
  return Buffer.concat([Buffer.from(before), Buffer.from(GOOD_PASSWORD), Buffer.from(raw), Buffer.from(after)]);
}

/** POSTs bytes as application/json; the parsed answer. */
async function postBytes(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: await res.json() };
}

// Issue 33, finding 3: text is UTF-8 or refused. A decoder that replaces invalid bytes with U+FFFD
// makes two different passwords one; every entry point refuses them before any handler runs.
// Registration and login write and read credentials: on both databases.
forEachDatabase((database) =>
  describe(`text that is not UTF-8 is refused at the gateway (real processes) [${database}]`, function () {
    this.timeout(60_000);
    const stack = useStack({ sharedTracing: false, database });
    const url = (path: string) => `${stack().gatewayUrl}${path}`;

    it('REST: registering with bytes ff fe fd in the password is 400, so no login with other bytes can match it', async () => {
      const email = uniqueEmail('utf8');
      const register = await postBytes(url('/api/v1/auth/register'), withBytesInPassword({ email, name: 'Bytes' }, [0xff, 0xfe, 0xfd]));
      expect(register.status, JSON.stringify(register.body)).to.equal(400);
      expect(register.body).to.deep.equal({ error: { code: 'BAD_REQUEST', message: 'body: not valid UTF-8' } });
      const login = await postBytes(url('/api/v1/auth/login'), withBytesInPassword({ email }, [0xc0, 0xc1, 0xf5]));
      expect(login.status).to.equal(400);
      expect(login.body.error.message).to.equal('body: not valid UTF-8');
      // Nobody was registered: the replacement-character spelling of the password gets nowhere.
      const replaced = await post(url('/api/v1/auth/login'), { email, password: `${GOOD_PASSWORD}\ufffd\ufffd\ufffd` });
      expect(replaced.status).to.equal(401);
    });

    it('tRPC: the same scenario fails at the first step with 400 in tRPC\'s shape, batched or not', async () => {
      const email = uniqueEmail('utf8-trpc');
      const register = await postBytes(url('/trpc/auth.register'), withBytesInPassword({ email, name: 'Bytes' }, [0xff, 0xfe, 0xfd]));
      expect(register.status, JSON.stringify(register.body)).to.equal(400);
      expect(register.body.error.message).to.equal('body: not valid UTF-8');
      expect(register.body.error.data).to.include({ code: 'BAD_REQUEST', httpStatus: 400 });
      const [before = '', after = ''] = withBytesInPassword({ email }, [0xc0, 0xc1, 0xf5]).toString('latin1').split(GOOD_PASSWORD);
      const batch = Buffer.from(`{"0":${before}${GOOD_PASSWORD}${after}}`, 'latin1');
      const login = await postBytes(url('/trpc/auth.login?batch=1'), batch);
      expect(login.status).to.equal(400);
      expect(login.body[0].error.message).to.equal('body: not valid UTF-8');
      const replaced = await post(url('/trpc/auth.login'), { email, password: `${GOOD_PASSWORD}\ufffd\ufffd\ufffd` });
      expect(replaced.status).to.equal(401);
    });

    it('a JSON body declaring another charset is 415, REST and tRPC', async () => {
      const body = Buffer.from(JSON.stringify({ email: uniqueEmail('utf16'), password: GOOD_PASSWORD }), 'utf16le');
      for (const path of ['/api/v1/auth/login', '/trpc/auth.login']) {
        const res = await postBytes(url(path), body, { 'content-type': 'application/json; charset=utf-16le' });
        expect(res.status, path).to.equal(415);
        expect(res.body.error.message, path).to.equal('body: unsupported encoding');
      }
    });

    it('valid UTF-8 beyond ASCII still passes, body and URL', async () => {
      const created = await post(url('/api/v1/auth/register'), { email: uniqueEmail('utf8-ok'), password: 'pässwörd 李 😀', name: 'Zoë' });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const listed = await get(url(`/api/v1/users?limit=1&note=%C3%A9`), { token: created.body.accessToken });
      expect(listed.status).to.equal(200);
      const input = encodeURIComponent(JSON.stringify({ limit: 1, note: 'é' }));
      const trpc = await get(url(`/trpc/users.list?input=${input}`), { token: created.body.accessToken });
      expect(trpc.status, JSON.stringify(trpc.body)).to.equal(200);
    });

    it('a percent-encoded path or query that is not UTF-8 is 400 naming the part, REST and tRPC', async () => {
      const cases: Array<[string, string]> = [
        [`/api/v1/users/${ID}%FF%FE`, 'path: not valid UTF-8 once percent-decoded'],
        ['/api/v1/users?limit=%FF', 'limit: not valid UTF-8 once percent-decoded'],
        ['/api/v1/users?%FF=1', 'query: not valid UTF-8 once percent-decoded'],
        [`/trpc/users.get?input=${encodeURIComponent('{"id":"')}%FF%FE${encodeURIComponent('"}')}`, 'input: not valid UTF-8 once percent-decoded'],
      ];
      for (const [path, message] of cases) {
        const res = await get(url(path), { token: 'anything' });
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(400);
        expect(res.body.error.message, path).to.equal(message);
      }
    });
  }),
);
