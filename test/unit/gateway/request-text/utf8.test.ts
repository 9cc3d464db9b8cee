import { expect } from 'chai';
import { isUtf8, pathUtf8Problem, queryUtf8Problem } from '../../../../gateway/request-text/utf8';

describe('gateway: UTF-8 checks of bodies and request targets', () => {
  it('tells UTF-8 bytes from others', () => {
    expect(isUtf8(Buffer.from('pässwörd 李 😀'))).to.equal(true);
    expect(isUtf8(Buffer.from([0x61, 0xff, 0xfe, 0xfd]))).to.equal(false);
    // Overlong encodings and lone surrogates are not UTF-8 either.
    expect(isUtf8(Buffer.from([0xc0, 0xaf]))).to.equal(false);
    expect(isUtf8(Buffer.from([0xed, 0xa0, 0x80]))).to.equal(false);
  });

  it('judges the path percent-decoded', () => {
    expect(pathUtf8Problem('/api/v1/users/abc?x=%FF')).to.equal(undefined);
    expect(pathUtf8Problem('/api/v1/users/%C3%A9')).to.equal(undefined);
    expect(pathUtf8Problem('/api/v1/users/%FF%FE')).to.equal('path: not valid UTF-8 once percent-decoded');
    // A malformed escape is left as its characters, as URLSearchParams does.
    expect(pathUtf8Problem('/api/v1/users/%zz%')).to.equal(undefined);
    // Raw bytes beyond ASCII arrive as latin1 characters, one a byte.
    expect(pathUtf8Problem(Buffer.from([0x2f, 0xc3, 0xa9]).toString('latin1'))).to.equal(undefined);
    expect(pathUtf8Problem(Buffer.from([0x2f, 0xff]).toString('latin1'))).to.equal('path: not valid UTF-8 once percent-decoded');
  });

  it('judges each query parameter percent-decoded, naming it when its name is plain', () => {
    expect(queryUtf8Problem('/trpc/users.get?batch=1&input=%7B%22id%22%3A%22%C3%A9%22%7D')).to.equal(undefined);
    expect(queryUtf8Problem('/trpc/users.get?input=%7B%22id%22%3A%22%FF%22%7D')).to.equal('input: not valid UTF-8 once percent-decoded');
    expect(queryUtf8Problem('/x?a=1&limit=%E2%82')).to.equal('limit: not valid UTF-8 once percent-decoded');
    expect(queryUtf8Problem('/x?%FF=1')).to.equal('query: not valid UTF-8 once percent-decoded');
    expect(queryUtf8Problem('/x?%3Cscript%3E=%FF')).to.equal('query: not valid UTF-8 once percent-decoded');
    expect(queryUtf8Problem('/x?a=b=c&d')).to.equal(undefined);
  });
});
