import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from './tracing-config';

/**
 * Creates the configured span exporter, or undefined for `none`. Exporter modules are required
 * here, lazily, because the OTLP gRPC exporter loads @grpc/grpc-js: it must load only after the
 * gRPC instrumentation has patched it.
 */
export function createExporter(config: TracingConfig): SpanExporter | undefined {
  switch (config.exporter) {
    case 'none':
      return undefined;
    case 'console': {
      const { ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
      return new ConsoleSpanExporter();
    }
    case 'jaeger': {
      // Thrift over HTTP to the collector (POST <host>:14268/api/traces): Jaeger's native protocol.
      const { JaegerExporter } = require('@opentelemetry/exporter-jaeger') as typeof import('@opentelemetry/exporter-jaeger');
      return new JaegerExporter({ endpoint: config.endpoint }) as unknown as SpanExporter;
    }
    case 'otlp': {
      if (config.otlpProtocol === 'grpc') {
        const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
        return new OTLPTraceExporter({ url: config.endpoint });
      }
      const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
      return new OTLPTraceExporter({ url: config.endpoint });
    }
  }
}
