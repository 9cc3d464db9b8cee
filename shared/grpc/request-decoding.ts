import {
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { DescMessage, FileRegistry } from '@bufbuild/protobuf';
import { AppError, invalid } from '../errors/app-error';
import type { Logger } from '../logging/logger';
import { toGrpcError } from './handler';
import { checkWireFormat } from './wire-check';

/** What a service's request deserializer hands on in place of a request it refused. */
class RejectedRequest {
  constructor(readonly error: AppError) {}
}

/** A service's definition and implementation, as grpc-js's `addService` takes them. */
export interface GuardedService {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

/**
 * Wraps a service so every unary request is checked against its contract ({@link checkWireFormat})
 * before the generated decoder sees it, and a refused one is answered INVALID_ARGUMENT naming the
 * field. A request deserializer cannot answer by itself: grpc-js turns anything it throws into
 * INTERNAL. So the deserializer returns a marker instead, and the handler answers for it, before
 * the service's own handler (and its authentication) runs. A service that is not in the
 * contracts' descriptors is returned as it is.
 */
export function guardRequestDecoding(
  serviceName: string,
  definition: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  registry: FileRegistry,
  logger: Logger,
): GuardedService {
  const service = registry.getService(serviceName);
  // Not one of the contracts (a test double with its own serialization): nothing to check against.
  if (!service) return { definition, implementation };
  const guardedDefinition: Record<string, ServiceDefinition[string]> = {};
  const guardedImplementation: UntypedServiceImplementation = {};
  for (const [key, method] of Object.entries(definition)) {
    const handler = implementation[key];
    // Streams would need the marker handled message by message; the contracts have none yet.
    if (method.requestStream || method.responseStream || !handler) {
      guardedDefinition[key] = method;
      if (handler) guardedImplementation[key] = handler;
      continue;
    }
    const name = method.path.slice(method.path.lastIndexOf('/') + 1);
    const input = service.methods.find((m) => m.name === name)?.input;
    if (!input) throw new Error(`${method.path} is not in the contracts' descriptors (run npm run gen)`);
    guardedDefinition[key] = { ...method, requestDeserialize: checkedDeserializer(input, method.requestDeserialize) };
    guardedImplementation[key] = answerRejected(method.path, handler, logger);
  }
  return { definition: guardedDefinition as ServiceDefinition, implementation: guardedImplementation };
}

/** The generated deserializer behind the wire check; never throws. */
function checkedDeserializer(input: DescMessage, decode: (bytes: Buffer) => unknown): (bytes: Buffer) => unknown {
  return (bytes) => {
    try {
      checkWireFormat(input, bytes);
      return decode(bytes);
    } catch (err) {
      // AppErrors come from the check; anything the decoder itself throws has no field to name.
      return new RejectedRequest(err instanceof AppError ? err : invalid('request', 'not a valid protobuf message'));
    }
  };
}

/** The handler, preceded by the answer for a refused request. */
function answerRejected(rpc: string, handler: UntypedHandleCall, logger: Logger): UntypedHandleCall {
  const unary = handler as (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;
  return ((call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    if (!(call.request instanceof RejectedRequest)) return unary(call, callback);
    // The field and the problem only; the bytes could hold anything, a password included.
    logger.warn({ rpc, code: 'INVALID_ARGUMENT', details: call.request.error.message }, 'rpc refused: request does not match its contract');
    callback(toGrpcError(call.request.error));
  }) as UntypedHandleCall;
}
