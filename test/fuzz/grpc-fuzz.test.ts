import crypto from 'node:crypto';
import { create, ScalarType, toBinary, type DescField, type DescMethod, type DescService } from '@bufbuild/protobuf';
import { FeatureSet_FieldPresence, MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { Metadata, status as GrpcStatus, type Client, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { contractRegistry } from '../../shared/contracts';
import { isPublicMethod } from '../../shared/grpc/method-auth';
import { registerAccount, type Account } from '../support/accounts';
import { get } from '../support/http';
import { rightfulClients } from '../support/rightful-clients';
import { useStack } from '../support/stack';
import { validFieldValue } from '../support/valid-values';
import { bytes, lengthDelimited, tag, varint, varintField, WIRE } from '../support/wire-bytes';

// Every RPC the contracts describe (gen/descriptors.binpb), called directly with grpc-js (no
// gateway) with bytes no generated client would send, the requests built from the descriptors.
// Each must answer INVALID_ARGUMENT naming the field (or `request: ...` when nothing parses),
// never INTERNAL or UNKNOWN, and both processes must stay up.

/** What a raw call ended with. */
interface RawResult {
  code: GrpcStatus;
  details: string;
}

/** One RPC of the contracts, as the descriptors describe it. */
interface Rpc {
  service: DescService;
  method: DescMethod;
  /** `/user.v1.UserService/GetUser`, as grpc-js calls it. */
  path: string;
  /** `user.v1.UserService/GetUser`, for messages. */
  rpc: string;
}

/** Every RPC of every service in gen/descriptors.binpb: a new one is fuzzed without a line here. */
const RPCS: Rpc[] = [...contractRegistry().files]
  .flatMap((file) => file.services)
  .flatMap((service) => service.methods.map((method) => ({ service, method, path: `/${service.typeName}/${method.name}`, rpc: `${service.typeName}/${method.name}` })));

// Per field name, a value written by hand, only for a field whose valid value cannot be found from
// its type and rules (test/support/valid-values.ts): a string or bytes field no rule of that name
// covers. A field with a value from its rules needs none here.
const VALID_VALUES: Record<string, () => unknown> = {};

// A string the contract does not mark `optional` must be given: empty (proto3 does not send it) is
// refused naming the field. Except where an empty one means something: an empty refresh token logs
// out the access token only.
const MAY_BE_EMPTY: Record<string, readonly string[]> = {
  'auth.v1.AuthService/Logout': ['refreshToken'],
};

/**
 * A request of `r` that passes validation, every field set: from its type and rules
 * ({@link validFieldValue}), or {@link VALID_VALUES} where those cannot tell.
 */
function validRequest(r: Rpc): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  for (const field of r.method.input.fields) {
    const value = VALID_VALUES[field.localName]?.() ?? validFieldValue(field);
    if (value === undefined) {
      throw new Error(
        `${r.rpc}: no valid value for field ${field.name}: neither its type nor a rule of that name (a tRPC procedure input's field, shared/validation/schemas.ts) gives one; add one to VALID_VALUES in test/fuzz/grpc-fuzz.test.ts`,
      );
    }
    request[field.localName] = value;
  }
  return request;
}

/**
 * The fields `r` cannot do without: its implicit-presence strings, but for {@link MAY_BE_EMPTY}.
 * Never a number: proto3 cannot tell 0 from absent, and 0 means something (the default page size,
 * the first page).
 */
function requiredFields(r: Rpc): DescField[] {
  const mayBeEmpty = MAY_BE_EMPTY[r.rpc] ?? [];
  return r.method.input.fields.filter(
    (f) => f.fieldKind === 'scalar' && f.scalar === ScalarType.STRING && f.presence === FeatureSet_FieldPresence.IMPLICIT && !mayBeEmpty.includes(f.localName),
  );
}

// An RPC that may change something and takes the caller's token is called with an account of its
// own, so one that got through by mistake (Logout ends the session it is called with) leaves the
// caller of every other RPC as it was.
const needsOwnAccount = (r: Rpc) => r.method.idempotency !== MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS && !isPublicMethod(r.path);

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
  if (field.fieldKind === 'enum') return WIRE.varint;
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
  let clients: Awaited<ReturnType<typeof rightfulClients>> | undefined;
  let who: Account;

  before(async () => {
    who = await registerAccount(stack().gatewayUrl);
    // Each RPC as the service its contract lets call it, so the bytes reach the decoder.
    clients = await rightfulClients(stack(), RPCS.map((r) => r.path));
  });
  after(() => {
    clients?.close();
  });

  it('derives every RPC of both services from the descriptors, with a valid request for each', () => {
    const services = new Set(RPCS.map((r) => r.service.typeName));
    expect([...services]).to.include.members(['user.v1.UserService', 'auth.v1.AuthService']);
    for (const r of RPCS) expect(() => validRequest(r), r.rpc).to.not.throw();
    // Overrides name RPCs and fields that exist, so none outlives what it was for: a hand-written
    // value only for a field that cannot be given one from its type and rules.
    const allFields = RPCS.flatMap((r) => r.method.input.fields);
    for (const name of Object.keys(VALID_VALUES)) {
      const fields = allFields.filter((f) => f.localName === name);
      expect(fields, `VALID_VALUES: ${name} is a field of some request`).to.not.deep.equal([]);
      for (const f of fields) expect(validFieldValue(f), `VALID_VALUES: ${name} has a value from its type and rules`).to.equal(undefined);
    }
    for (const [rpc, fields] of Object.entries(MAY_BE_EMPTY)) {
      const r = RPCS.find((x) => x.rpc === rpc);
      expect(r, `MAY_BE_EMPTY: ${rpc}`).to.not.equal(undefined);
      for (const name of fields) expect(r!.method.input.fields.map((f) => f.localName), `MAY_BE_EMPTY: ${rpc} ${name}`).to.include(name);
    }
    // The derivation as the contracts stand: a registration needs all three, a page none.
    const required = (rpc: string) => requiredFields(RPCS.find((r) => r.rpc === rpc)!).map((f) => f.localName);
    expect(required('user.v1.UserService/CreateUser')).to.have.members(['email', 'password', 'name']);
    expect(required('user.v1.UserService/UpdateUser')).to.deep.equal(['id']);
    expect(required('user.v1.UserService/ListUsers')).to.deep.equal([]);
    expect(required('auth.v1.AuthService/Logout')).to.deep.equal([]);
  });

  for (const r of RPCS) {
    const { path, rpc } = r;
    const input = r.method.input;
    const fields = input.fields;
    const scalarsOf = (...types: ScalarType[]) => fields.filter((f) => f.fieldKind === 'scalar' && types.includes(f.scalar));

    describe(rpc, () => {
      let caller: Account;
      before(async () => {
        caller = needsOwnAccount(r) ? await registerAccount(stack().gatewayUrl) : who;
      });

      const call = (data: Buffer) => rawCall(clients!.of(path), path, data, caller.accessToken);
      /** The valid request without `field` (its default, which proto3 does not send), encoded. */
      const validWithout = (field?: DescField): Buffer => {
        const request = validRequest(r);
        if (field) delete request[field.localName];
        return Buffer.from(toBinary(input, create(input, request)));
      };
      const expectInvalid = (result: RawResult, field: string, what: string) => {
        expect(result.code, `${rpc} ${what}: ${describeCode(result)}`).to.equal(GrpcStatus.INVALID_ARGUMENT);
        expect(result.details, `${rpc} ${what}`).to.match(new RegExp(`^${field.replace('.', '\\.')}: \\S`));
      };

      it('refuses bytes that parse as no message, saying so', async () => {
        for (const garbage of GARBAGE) {
          const result = await call(Buffer.from(garbage));
          expect(result.code, `${JSON.stringify(garbage)}: ${describeCode(result)}`).to.equal(GrpcStatus.INVALID_ARGUMENT);
          expect(result.details).to.match(/^request: not a valid protobuf message \(.+\)$/);
        }
      });

      if (fields.length > 0) {
        it('names every field sent with the wrong wire type', async () => {
          for (const field of fields) {
            expectInvalid(await call(bytes(validWithout(field), wrongWire(field))), field.jsonName, `${field.jsonName} with the wrong wire type`);
          }
        });
      }

      if (scalarsOf(ScalarType.INT32, ScalarType.STRING).length > 0) {
        it('names every int32 field whose value does not fit, and every string field that is not UTF-8', async () => {
          for (const field of scalarsOf(ScalarType.INT32)) {
            const result = await call(bytes(validWithout(field), varintField(field.number, 2n ** 40n)));
            expectInvalid(result, field.jsonName, `${field.jsonName} = 2^40`);
            expect(result.details).to.equal(`${field.jsonName}: out of range for int32`);
          }
          for (const field of scalarsOf(ScalarType.STRING)) {
            const result = await call(bytes(validWithout(field), lengthDelimited(field.number, [0x61, 0xc3, 0x28])));
            expect(result.details, rpc).to.equal(`${field.jsonName}: must be valid UTF-8`);
          }
        });
      }

      if (scalarsOf(ScalarType.STRING).length > 0) {
        it('names every string field sent oversized (1 MiB)', async () => {
          for (const field of scalarsOf(ScalarType.STRING)) {
            expectInvalid(await call(bytes(validWithout(field), lengthDelimited(field.number, 'a'.repeat(ONE_MIB)))), field.jsonName, `${field.jsonName} of 1 MiB`);
          }
        });
      }

      const required = requiredFields(r);
      if (required.length > 0) {
        it(`names every required field that is missing (${required.map((f) => f.localName).join(', ')})`, async () => {
          for (const field of required) {
            const what = `without ${field.localName} (if the contract lets it be empty, list it in MAY_BE_EMPTY)`;
            expectInvalid(await call(validWithout(field)), field.jsonName, what);
          }
        });
      }

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

  describe('out-of-range numbers the contract can carry but the service cannot take', () => {
    const list = (fields: number[]) => rawCall(clients!.of('/user.v1.UserService/ListUsers'), '/user.v1.UserService/ListUsers', bytes(fields), who.accessToken);

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
      const result = await rawCall(clients!.of('/user.v1.UserService/GetUser'), '/user.v1.UserService/GetUser', huge, who.accessToken);
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
