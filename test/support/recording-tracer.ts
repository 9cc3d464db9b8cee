import type { IncomingMessage } from 'node:http';
import type { Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { UserServiceClient } from '../../gen/user/v1/user';
import { createClient } from '../../shared/grpc/client';
import { useContextManager } from './context-manager';
import { tlsAs } from './pki';

/** A sampled W3C traceparent for requests that continue a caller's trace. */
export const CALLER_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** An incoming HTTP request as the tracing interface reads it: headers, URL and method only. */
export const incomingRequest = (headers: Record<string, string>, url = '/api/v1/users') =>
  ({ headers, url, method: 'GET' }) as unknown as IncomingMessage;

/** What {@link useRecordingTracer} gives a suite. */
export interface RecordingTracer {
  /** Every span the suite's tracer ended, emptied before each test. */
  exporter: InMemorySpanExporter;
  provider: BasicTracerProvider;
  tracer: Tracer;
  /** A user service client that is never dialled: the spans of a call that fails to connect are what these tests need. */
  client(): UserServiceClient;
}

/**
 * For the tracing interface's unit tests: a tracer whose spans land in memory, a context
 * manager, and a gRPC client with the gateway's identity, all stopped after the suite.
 */
export function useRecordingTracer(): RecordingTracer {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('span-tracing-test');
  let client: UserServiceClient | undefined;
  before(async () => {
    client = createClient(UserServiceClient, '127.0.0.1:1', await tlsAs('gateway'), { server: 'user-service' });
  });
  useContextManager();
  after(async () => {
    client?.close();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());
  return {
    exporter,
    provider,
    tracer,
    client: () => {
      if (!client) throw new Error('useRecordingTracer: the client exists from the suite\'s before hook on');
      return client;
    },
  };
}
