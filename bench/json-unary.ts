import type { ServiceDefinition } from '@grpc/grpc-js';

const json = {
  serialize: (v: unknown) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer) => JSON.parse(b.toString()) as unknown,
};

/**
 * A service of one unary method `name` at `path` whose messages are JSON: a raw gRPC service
 * beside the contracts, for a micro-benchmark or a test that needs only a call to go through a
 * real server (`makeGenericClientConstructor(definition, name)` makes its client).
 */
export function jsonUnaryService(path: string, name: string): ServiceDefinition {
  return {
    [name]: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: json.serialize,
      requestDeserialize: json.deserialize,
      responseSerialize: json.serialize,
      responseDeserialize: json.deserialize,
    },
  };
}
