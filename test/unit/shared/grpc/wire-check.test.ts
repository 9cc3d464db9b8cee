import { create, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import { expect } from 'chai';
import { CreateUserResponse, ListUsersRequest, UpdateUserRequest } from '../../../../gen/user/v1/user';
import { AppError } from '../../../../shared/errors/app-error';
import { contractRegistry } from '../../../../shared/contracts';
import { checkWireFormat } from '../../../../shared/grpc/wire-check';
import { bytes, lengthDelimited, tag, varint, varintField, WIRE } from '../../../support/wire-bytes';

const message = (name: string): DescMessage => {
  const desc = contractRegistry().getMessage(name);
  if (!desc) throw new Error(`${name} not in the contracts`);
  return desc;
};

/** The INVALID_ARGUMENT message checkWireFormat throws, or undefined when it accepts. */
function refusal(desc: DescMessage, data: Uint8Array): string | undefined {
  try {
    checkWireFormat(desc, data);
    return undefined;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('INVALID_ARGUMENT');
    return (err as AppError).message;
  }
}

// A contract of its own with what user.v1 and auth.v1 do not have: packed numbers and a map.
const sample = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'sample.proto',
    package: 'sample',
    syntax: 'proto3',
    messageType: [
      {
        name: 'Sample',
        field: [
          { name: 'ids', jsonName: 'ids', number: 1, type: Type.INT32, label: Label.REPEATED },
          { name: 'tags', jsonName: 'tags', number: 2, type: Type.MESSAGE, typeName: '.sample.Sample.TagsEntry', label: Label.REPEATED },
          { name: 'ratio', jsonName: 'ratio', number: 3, type: Type.DOUBLE, label: Label.OPTIONAL },
        ],
        nestedType: [
          {
            name: 'TagsEntry',
            options: { mapEntry: true },
            field: [
              { name: 'key', jsonName: 'key', number: 1, type: Type.STRING, label: Label.OPTIONAL },
              { name: 'value', jsonName: 'value', number: 2, type: Type.UINT32, label: Label.OPTIONAL },
            ],
          },
        ],
      },
    ],
  }),
  () => undefined,
).getMessage('sample.Sample')!;

describe('shared/grpc/wire-check: requests against their contract', () => {
  const list = message('user.v1.ListUsersRequest');
  const update = message('user.v1.UpdateUserRequest');

  it('accepts what the generated encoders write, unknown fields included', () => {
    expect(refusal(list, ListUsersRequest.encode({ limit: 100, offset: 2_147_483_647 }).finish())).to.equal(undefined);
    expect(refusal(list, ListUsersRequest.encode({ limit: -5, offset: 0 }).finish())).to.equal(undefined);
    expect(refusal(update, UpdateUserRequest.encode({ id: 'x', name: 'Zoë 李 😀', role: 'admin' }).finish())).to.equal(undefined);
    expect(refusal(list, bytes(varintField(99, 7), lengthDelimited(98, 'later field'), tag(97, WIRE.i32), [1, 2, 3, 4]))).to.equal(undefined);
    // A group (deprecated, but valid wire format) under an unknown number is skipped whole.
    expect(refusal(list, bytes(tag(50, WIRE.startGroup), varintField(1, 1), tag(50, WIRE.endGroup)))).to.equal(undefined);
    const nested = CreateUserResponse.encode({ user: { id: 'a', email: 'b', name: 'c', role: 'user', createdAt: 'd', updatedAt: 'e' } }).finish();
    expect(refusal(message('user.v1.CreateUserResponse'), nested)).to.equal(undefined);
  });

  it('names a field sent with the wrong wire type (the generated decoder would skip it)', () => {
    expect(refusal(list, bytes(lengthDelimited(1, '20')))).to.equal('limit: must be an int32 (a varint), got a length-delimited value');
    expect(refusal(update, bytes(varintField(2, 1)))).to.equal('name: must be a string (a length-delimited value), got a varint');
    expect(refusal(update, bytes(tag(3, WIRE.i64), [0, 0, 0, 0, 0, 0, 0, 0]))).to.equal('email: must be a string (a length-delimited value), got a 64-bit value');
    expect(refusal(list, bytes(tag(2, WIRE.startGroup)))).to.match(/^offset: must be an int32/);
  });

  it('names an int32 field whose varint does not fit 32 bits (the decoder would truncate it)', () => {
    expect(refusal(list, bytes(varintField(1, 2n ** 32n + 5n)))).to.equal('limit: out of range for int32');
    expect(refusal(list, bytes(varintField(2, 2n ** 31n)))).to.equal('offset: out of range for int32');
    expect(refusal(list, bytes(varintField(1, -(2n ** 31n) - 1n)))).to.equal('limit: out of range for int32');
    expect(refusal(list, bytes(varintField(1, -(2n ** 31n))))).to.equal(undefined);
  });

  it('names a string field that is not UTF-8 (the decoder would substitute U+FFFD)', () => {
    expect(refusal(update, bytes(lengthDelimited(1, [0x61, 0xff, 0x62])))).to.equal('id: must be valid UTF-8');
    expect(refusal(update, bytes(lengthDelimited(2, [0xed, 0xa0, 0x80])))).to.equal('name: must be valid UTF-8');
  });

  it('names a field whose value runs past the end, and the path inside a nested message', () => {
    expect(refusal(update, bytes(tag(1, WIRE.len), varint(10), [0x61, 0x62]))).to.equal('id: truncated: the value runs past the end of the message');
    expect(refusal(list, bytes(tag(1, WIRE.varint), [0x80, 0x80]))).to.equal('limit: truncated: the value runs past the end of the message');
    expect(refusal(list, bytes(tag(1, WIRE.varint), Array(10).fill(0xff), [0x01]))).to.equal('limit: malformed varint (more than 64 bits)');
    const badUser = bytes(lengthDelimited(1, bytes(varintField(2, 3))));
    expect(refusal(message('user.v1.CreateUserResponse'), badUser)).to.equal('user.email: must be a string (a length-delimited value), got a varint');
  });

  it('says "request" when the bytes do not parse at all', () => {
    for (const garbage of [[0x80], [0x0f], [0x0c], [0x00], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xfa, 0x01, 0x7f]]) {
      expect(refusal(list, Buffer.from(garbage)), JSON.stringify(garbage)).to.match(/^request: not a valid protobuf message \(/);
    }
    expect(refusal(list, bytes(tag(50, WIRE.startGroup), tag(51, WIRE.endGroup)))).to.equal('request: not a valid protobuf message (mismatched end-group tag)');
    const deep = bytes(...Array(40).fill(tag(50, WIRE.startGroup)));
    expect(refusal(list, deep)).to.match(/^request: not a valid protobuf message/);
  });

  it('checks packed and unpacked repeated numbers, map keys and values, and fixed-width values', () => {
    expect(refusal(sample, bytes(lengthDelimited(1, [...varint(1), ...varint(-1), ...varint(300)]), varintField(1, 7)))).to.equal(undefined);
    expect(refusal(sample, bytes(lengthDelimited(1, [...varint(1), ...varint(2n ** 40n)])))).to.equal('ids: out of range for int32');
    expect(refusal(sample, bytes(lengthDelimited(1, [0x80])))).to.equal('ids: truncated: the value runs past the end of the message');
    expect(refusal(sample, bytes(lengthDelimited(2, bytes(lengthDelimited(1, 'k'), varintField(2, 9)))))).to.equal(undefined);
    expect(refusal(sample, bytes(lengthDelimited(2, bytes(lengthDelimited(1, 'k'), varintField(2, 2n ** 33n)))))).to.equal('tags.value: out of range for uint32');
    expect(refusal(sample, bytes(lengthDelimited(2, bytes(varintField(1, 1)))))).to.equal('tags.key: must be a string (a length-delimited value), got a varint');
    expect(refusal(sample, bytes(varintField(2, 1)))).to.equal('tags: must be a map entry (a length-delimited value), got a varint');
    expect(refusal(sample, bytes(tag(3, WIRE.i64), [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]))).to.equal(undefined);
    expect(refusal(sample, bytes(tag(3, WIRE.i64), [0, 0, 0]))).to.equal('ratio: truncated: the value runs past the end of the message');
    expect(refusal(sample, bytes(tag(3, WIRE.i32), [0, 0, 0, 0]))).to.equal('ratio: must be a double (a 64-bit value), got a 32-bit value');
  });
});
