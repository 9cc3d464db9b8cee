import crypto from 'node:crypto';
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import * as authPb from '../../gen/auth/v1/auth';
import * as userPb from '../../gen/user/v1/user';
import { contractRegistry } from '../../shared/grpc/contracts';
import { GOOD_PASSWORD, registerAccount, uniqueEmail, type Account } from '../support/accounts';
import { get } from '../support/http';
import { useStack } from '../support/stack';
import { bytes, lengthDelimited, tag, varint, varintField, WIRE } from '../support/wire-bytes';

// Every RPC of both services, called directly with grpc-js (no gateway) with bytes no generated
// client would send. Each must answer INVALID_ARGUMENT naming the field (or `request: ...` when
// nothing parses), never INTERNAL or UNKNOWN, and both processes must stay up.

/** What a raw call ended with. */
interface RawResult {
  code: GrpcStatus;
  details: string;
}

/** The generated encoder of one message type (ts-proto's MessageFns, the part used here). */
interface Encoder {
  fromPartial(object: Record<string, unknown>): unknown;
  encode(message: unknown): { finish(): Uint8Array };
}

/** Per RPC: a request that passes validation (so only the field under test is wrong), and the fields it cannot do without. */
interface MethodCase {
  valid: (who: Account) => Record<string, unknown>;
  required: readonly string[];
}

const CASES: Record<string, MethodCase> = {
  '/user.v1.UserService/CreateUser': { valid: () => ({ email: uniqueEmail('fuzz'), password: GOOD_PASSWORD, name: 'Fuzz' }), required: ['email', 'password', 'name'] },
  '/user.v1.UserService/GetUser': { valid: (who) => ({ id: who.id }), required: ['id'] },
  '/user.v1.UserService/UpdateUser': { valid: (who) => ({ id: who.id, name: 'Fuzzed' }), required: ['id'] },
  // Someone else's id: a request that got through by mistake is refused, not a deletion.
  '/user.v1.UserService/DeleteUser': { valid: () => ({ id: crypto.randomUUID() }), required: ['id'] },
  // limit 0 means the default page size and offset 0 the first page: neither is required.
  '/user.v1.UserService/ListUsers': { valid: () => ({ limit: 10, offset: 0 }), required: [] },
  '/auth.v1.AuthService/Register': { valid: () => ({ userId: crypto.randomUUID(), email: uniqueEmail('fuzz'), password: GOOD_PASSWORD }), required: ['userId', 'email', 'password'] },
  '/auth.v1.AuthService/Login': { valid: (who) => ({ email: who.email, password: who.password }), required: ['email', 'password'] },
  '/auth.v1.AuthService/RefreshToken': { valid: () => ({ refreshToken: 'not-a-real-refresh-token' }), required: ['refreshToken'] },
  // An empty refresh token logs out the access token only.
  '/auth.v1.AuthService/Logout': { valid: () => ({ refreshToken: '' }), required: [] },
  '/auth.v1.AuthService/GetCurrentUser': { valid: () => ({}), required: [] },
  '/auth.v1.AuthService/ValidateToken': { valid: () => ({}), required: [] },
  '/auth.v1.AuthService/UpdateCredentials': { valid: () => ({ userId: crypto.randomUUID(), email: uniqueEmail('fuzz') }), required: ['userId', 'email'] },
  '/auth.v1.AuthService/DeleteCredentials': { valid: () => ({ userId: crypto.randomUUID() }), required: ['userId'] },
};

const SERVICES: Array<{ name: string; definition: ServiceDefinition; pb: Record<string, unknown>; addr: 'userAddr' | 'authAddr' }> = [
  { name: 'user.v1.UserService', definition: userPb.UserServiceService as unknown as ServiceDefinition, pb: userPb, addr: 'userAddr' },
  { name: 'auth.v1.AuthService', definition: authPb.AuthServiceService as unknown as ServiceDefinition, pb: authPb, addr: 'authAddr' },
];

// Bytes that parse as no message at all: a cut-off tag, wire type 7, an end-group tag with no
// group, field number 0, a tag longer than 32 bits, a length beyond the end.
const GARBAGE: readonly number[][] = [[0x80], [0x0f], [0x0c], [0x00], [0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], [0xfa, 0x01, 0x7f, 0x61]];

const ONE_MIB = 1024 * 1024;
// Random requests per RPC, from a fixed seed so a failure can be replayed.
const RANDOM_REQUESTS = 40;

/** A deterministic byte generator (xorshift32), so the random requests are the same every run. */
function randomBytes(seed: number): (length: number) => Buffer {
  let x = seed >>> 0 || 1;
  return (length) => {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

/** Sends `data` as the request of `path` as is and resolves with the status, whatever it is. */
function rawCall(client: Client, path: string, data: Buffer, token: string): Promise<RawResult> {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      data,
      metadata,
      { deadline: Date.now() + 10_000 },
      (err: ServiceError | null) => resolve(err ? { code: err.code, details: err.details } : { code: GrpcStatus.OK, details: '' }),
    );
  });
}

/** The wire type a field's values need. */
function wireOf(field: DescField): number {
  if (field.fieldKind === 'scalar') {
    if (field.scalar === ScalarType.STRING || field.scalar === ScalarType.BYTES) return WIRE.len;
    return WIRE.varint;
  }
  return WIRE.len;
}

/** The field sent with a wire type its type cannot have. */
function wrongWire(field: DescField): number[] {
  return wireOf(field) === WIRE.len ? varintField(field.number, 1) : lengthDelimited(field.number, '20');
}

const describeCode = (r: RawResult) => `${GrpcStatus[r.code]}: ${r.details}`;

describe('fuzz: every gRPC method, called directly with bad bytes', function () {
  this.timeout(120_000);
  const stack = useStack();
  const clients: Record<string, Client> = {};
  let who: Account;
  // Logout may really log out: it gets an account of its own.
  let logoutAccount: Account;

  before(async () => {
    who = await registerAccount(stack().gatewayUrl);
    logoutAccount = await registerAccount(stack().gatewayUrl);
    for (const svc of SERVICES) clients[svc.name] = new Client(stack()[svc.addr], credentials.createInsecure());
  });
  after(() => {
    for (const client of Object.values(clients)) client.close();
  });

  it('has a case for every RPC of both contracts', () => {
    const rpcs = SERVICES.flatMap((svc) => Object.values(svc.definition).map((m) => m.path));
    expect(Object.keys(CASES).sort()).to.deep.equal(rpcs.sort());
  });

  for (const svc of SERVICES) {
    for (const method of Object.values(svc.definition)) {
      const path = method.path;
      const rpc = path.slice(1);
      const methodCase = CASES[path]!;
      const input = (): DescMessage => {
        const name = path.slice(path.lastIndexOf('/') + 1);
        const desc = contractRegistry().getService(svc.name)?.methods.find((m) => m.name === name)?.input;
        if (!desc) throw new Error(`${rpc} not in the descriptors`);
        return desc;
      };
      const encoder = () => svc.pb[input().name] as Encoder;
      const tokenFor = () => (rpc.endsWith('/Logout') ? logoutAccount : who).accessToken;
      const call = (data: Buffer) => rawCall(clients[svc.name]!, path, data, tokenFor());
      /** The valid request without `field` (its default, which proto3 does not send), encoded. */
      const validWithout = (field?: DescField): Buffer => {
        const request = methodCase.valid(who);
        if (field) delete request[field.localName];
        return Buffer.from(encoder().encode(encoder().fromPartial(request)).finish());
      };
      const expectInvalid = (result: RawResult, field: string, what: string) => {
        expect(result.code, `${rpc} ${what}: ${describeCode(result)}`).to.equal(GrpcStatus.INVALID_ARGUMENT);
        expect(result.details, `${rpc} ${what}`).to.match(new RegExp(`^${field.replace('.', '\\.')}: \\S`));
      };

      describe(rpc, () => {
        it('refuses bytes that parse as no message, saying so', async () => {
          for (const garbage of GARBAGE) {
            const result = await call(Buffer.from(garbage));
            expect(result.code, `${JSON.stringify(garbage)}: ${describeCode(result)}`).to.equal(GrpcStatus.INVALID_ARGUMENT);
            expect(result.details).to.match(/^request: not a valid protobuf message \(.+\)$/);
          }
        });

        it('names every field sent with the wrong wire type', async () => {
          for (const field of input().fields) {
            expectInvalid(await call(bytes(validWithout(field), wrongWire(field))), field.jsonName, `${field.jsonName} with the wrong wire type`);
          }
        });

        it('names every int32 field whose value does not fit, and every string field that is not UTF-8', async () => {
          for (const field of input().fields) {
            if (field.fieldKind !== 'scalar') continue;
            if (field.scalar === ScalarType.INT32) {
              const result = await call(bytes(validWithout(field), varintField(field.number, 2n ** 40n)));
              expectInvalid(result, field.jsonName, `${field.jsonName} = 2^40`);
              expect(result.details).to.equal(`${field.jsonName}: out of range for int32`);
            }
            if (field.scalar === ScalarType.STRING) {
              const result = await call(bytes(validWithout(field), lengthDelimited(field.number, [0x61, 0xc3, 0x28])));
              expect(result.details, rpc).to.equal(`${field.jsonName}: must be valid UTF-8`);
            }
          }
        });

        it('names every string field sent oversized (1 MiB)', async () => {
          for (const field of input().fields) {
            if (field.fieldKind !== 'scalar' || field.scalar !== ScalarType.STRING) continue;
            expectInvalid(await call(bytes(validWithout(field), lengthDelimited(field.number, 'a'.repeat(ONE_MIB)))), field.jsonName, `${field.jsonName} of 1 MiB`);
          }
        });

        it('names every required field that is missing', async () => {
          for (const name of methodCase.required) {
            const field = input().fields.find((f) => f.localName === name);
            expect(field, `${rpc} has a field ${name}`).to.not.equal(undefined);
            expectInvalid(await call(validWithout(field)), field!.jsonName, `without ${name}`);
          }
        });

        it(`answers ${RANDOM_REQUESTS} random requests without INTERNAL or UNKNOWN`, async () => {
          const random = randomBytes(crypto.createHash('sha256').update(rpc).digest().readUInt32LE(0));
          for (let i = 0; i < RANDOM_REQUESTS; i++) {
            const data = random(1 + (random(1)[0]! % 64));
            const result = await call(data);
            const what = `${rpc} ${data.toString('hex')}: ${describeCode(result)}`;
            expect([GrpcStatus.INTERNAL, GrpcStatus.UNKNOWN], what).to.not.include(result.code);
            if (result.code === GrpcStatus.INVALID_ARGUMENT) expect(result.details, what).to.match(/^[\w.]+: \S/);
          }
        });
      });
    }
  }

  describe('out-of-range numbers the contract can carry but the service cannot take', () => {
    const list = (fields: number[]) => rawCall(clients['user.v1.UserService']!, '/user.v1.UserService/ListUsers', bytes(fields), who.accessToken);

    it('names limit and offset outside their ranges, negative ones sent as 10-byte varints', async () => {
      const cases: Array<[number[], string]> = [
        [varintField(1, -1), 'limit: must be at least 1'],
        [varintField(1, 101), 'limit: must be at most 100'],
        [varintField(1, 2 ** 31 - 1), 'limit: must be at most 100'],
        [[...varintField(1, 10), ...varintField(2, -1)], 'offset: must be at least 0'],
        [[...varintField(1, 10), ...varintField(2, -(2 ** 31))], 'offset: must be at least 0'],
      ];
      for (const [fields, message] of cases) {
        const result = await list(fields);
        expect(describeCode(result)).to.equal(`INVALID_ARGUMENT: ${message}`);
      }
      // The largest offset there is simply gives an empty page.
      expect((await list([...varintField(1, 10), ...varintField(2, 2 ** 31 - 1)])).code).to.equal(GrpcStatus.OK);
    });
  });

  describe('afterwards', () => {
    it('refuses a request beyond grpc-js\'s 4 MiB limit with RESOURCE_EXHAUSTED, before any handler', async () => {
      const huge = bytes(tag(1, WIRE.len), varint(5 * ONE_MIB), Buffer.alloc(5 * ONE_MIB, 0x61));
      const result = await rawCall(clients['user.v1.UserService']!, '/user.v1.UserService/GetUser', huge, who.accessToken);
      expect(result.code, describeCode(result)).to.equal(GrpcStatus.RESOURCE_EXHAUSTED);
    });

    it('left both services up and serving, with no INTERNAL or UNKNOWN in their logs', async () => {
      expect(stack().processes.user.running, 'user service').to.equal(true);
      expect(stack().processes.auth.running, 'auth service').to.equal(true);
      const me = await get(`${stack().gatewayUrl}/api/v1/users/${who.id}`, { token: who.accessToken });
      expect(me.status).to.equal(200);
      const lines = [...stack().logs('user'), ...stack().logs('auth')];
      expect(lines.filter((l) => /"code":"(INTERNAL|UNKNOWN)"/.test(l))).to.deep.equal([]);
      // The refusals are logged with the field and the problem, never the bytes.
      expect(lines.some((l) => l.includes('request does not match its contract') && l.includes('out of range for int32'))).to.equal(true);
    });
  });
});
