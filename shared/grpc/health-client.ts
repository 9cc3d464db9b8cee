import {
  makeGenericClientConstructor,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type Metadata,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

/** A serving status as `grpc.health.v1` reports it. */
export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** A `grpc.health.v1.Health` client: `Check` for readiness probes, `Watch` for load balancing. */
export interface HealthClient extends Client {
  Check(
    request: { service: string },
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (error: ServiceError | null, response: { status: HealthStatus }) => void,
  ): ClientUnaryCall;
  Watch(request: { service: string }, options?: Partial<CallOptions>): ClientReadableStream<{ status: HealthStatus }>;
}

/** The constructor of {@link HealthClient}. */
export type HealthClientConstructor = (new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>) => HealthClient) & {
  serviceName: string;
};

// grpc-health-check ships the service definition from its own proto-loader copy; at runtime it is
// the plain method map grpc-js expects.
/** The `grpc.health.v1.Health` client constructor. */
export const HealthClientCtor = makeGenericClientConstructor(
  healthService as unknown as ServiceDefinition,
  'grpc.health.v1.Health',
) as unknown as HealthClientConstructor;
