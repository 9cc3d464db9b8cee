import { status as GrpcStatus, type handleUnaryCall, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { expect } from 'chai';
import { GetUserRequest, UserServiceService } from '../../../../gen/user/v1/user';
import { contractRegistry } from '../../../../shared/contracts';
import { guardRequestDecoding } from '../../../../shared/grpc/request-decoding';
import { createLogger } from '../../../../shared/logging/logger';
import { bytes, varintField } from '../../../support/wire-bytes';

const logger = createLogger('test', 'silent');
const definition = UserServiceService as unknown as ServiceDefinition;

/** Every UserService method answering with the request it was given, counting its calls. */
function echoImplementation(calls: unknown[]): UntypedServiceImplementation {
  const handler: handleUnaryCall<unknown, unknown> = (call, cb) => {
    calls.push(call.request);
    cb(null, {});
  };
  return Object.fromEntries(Object.keys(definition).map((key) => [key, handler]));
}

/** Runs a guarded unary handler on `data` as grpc-js would: deserialize, then call the handler. */
function invoke(guarded: ReturnType<typeof guardRequestDecoding>, key: string, data: Buffer): Promise<{ err: any }> {
  const request = guarded.definition[key]!.requestDeserialize(data);
  return new Promise((resolve) => {
    (guarded.implementation[key] as any)({ request }, (err: unknown) => resolve({ err }));
  });
}

describe('shared/grpc/request-decoding: the guard around a service', () => {
  it('hands a well-formed request to the handler, decoded by the generated decoder', async () => {
    const calls: unknown[] = [];
    const guarded = guardRequestDecoding('user.v1.UserService', definition, echoImplementation(calls), contractRegistry(), logger);
    const { err } = await invoke(guarded, 'getUser', Buffer.from(GetUserRequest.encode({ id: 'abc' }).finish()));
    expect(err).to.equal(null);
    expect(calls).to.deep.equal([{ id: 'abc' }]);
  });

  it('answers INVALID_ARGUMENT for a refused request without running the handler', async () => {
    const calls: unknown[] = [];
    const guarded = guardRequestDecoding('user.v1.UserService', definition, echoImplementation(calls), contractRegistry(), logger);
    const { err } = await invoke(guarded, 'listUsers', bytes(varintField(1, 2n ** 40n)));
    expect(err).to.deep.equal({ code: GrpcStatus.INVALID_ARGUMENT, details: 'limit: out of range for int32' });
    const garbage = await invoke(guarded, 'getUser', Buffer.from([0x0f]));
    expect(garbage.err.code).to.equal(GrpcStatus.INVALID_ARGUMENT);
    expect(garbage.err.details).to.match(/^request: not a valid protobuf message/);
    expect(calls).to.deep.equal([]);
  });

  it('leaves a service outside the contracts, and streaming methods, as they are', () => {
    const implementation = echoImplementation([]);
    const other = guardRequestDecoding('test.v1.Other', definition, implementation, contractRegistry(), logger);
    expect(other.definition).to.equal(definition);
    expect(other.implementation).to.equal(implementation);
    const streaming = { ...definition, getUser: { ...definition.getUser!, requestStream: true } } as ServiceDefinition;
    const guarded = guardRequestDecoding('user.v1.UserService', streaming, implementation, contractRegistry(), logger);
    expect(guarded.definition.getUser).to.equal(streaming.getUser);
    expect(guarded.implementation.getUser).to.equal(implementation.getUser);
    expect(guarded.definition.listUsers).to.not.equal(definition.listUsers);
  });
});
