import { expect } from 'chai';
import { ConfigError } from '../../../../shared/config/load-config';
import { resolveTracingConfig, type TracingConfig } from '../../../../shared/telemetry/tracing-config';

const resolve = (env: NodeJS.ProcessEnv = {}, file: Record<string, string> = {}): TracingConfig =>
  resolveTracingConfig({ env, file, defaultServiceName: 'user-service' });

describe('tracing config', () => {
  it('defaults: enabled, OTLP/HTTP to localhost:4318, parent-based ratio 1.0, per-process name', () => {
    const c = resolve();
    expect(c).to.include({ enabled: true, serviceName: 'user-service', exporter: 'otlp', otlpProtocol: 'http/protobuf' });
    expect(c.endpoint).to.equal('http://localhost:4318/v1/traces');
    expect(c.samplingRate).to.equal(1);
    expect(c.parentBased).to.equal(true);
  });

  it('instrumentation defaults to lean; env beats config.yaml; bad values name the key', () => {
    expect(resolve()).to.include({ instrumentation: 'lean' });
    expect(resolve({}, { TRACING_INSTRUMENTATION: 'auto' })).to.include({ instrumentation: 'auto' });
    expect(resolve({ TRACING_INSTRUMENTATION: 'LEAN' }, { TRACING_INSTRUMENTATION: 'auto' })).to.include({ instrumentation: 'lean' });
    expect(() => resolve({ TRACING_INSTRUMENTATION: 'magic' })).to.throw(ConfigError, 'TRACING_INSTRUMENTATION: must be lean or auto, got "magic"');
  });

  it("reads config.yaml's tracing section", () => {
    const c = resolve({}, {
      TRACING_ENABLED: 'true',
      TRACING_SERVICE_NAME: 'users',
      TRACING_COLLECTOR_URL: 'http://jaeger:14268/api/traces',
      TRACING_SAMPLING_RATE: '0.1',
    });
    expect(c).to.include({ serviceName: 'users', exporter: 'jaeger', endpoint: 'http://jaeger:14268/api/traces', samplingRate: 0.1 });
  });

  it('TRACING_* environment beats OTEL_* environment, which beats config.yaml', () => {
    const file = { TRACING_SERVICE_NAME: 'from-file', TRACING_SAMPLING_RATE: '0.3', TRACING_COLLECTOR_URL: 'http://file:4318/v1/traces' };
    const otel = {
      OTEL_SERVICE_NAME: 'from-otel',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.2',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
    };
    expect(resolve(otel, file)).to.include({ serviceName: 'from-otel', samplingRate: 0.2, endpoint: 'http://otel:4318/v1/traces' });
    const mine = { TRACING_SERVICE_NAME: 'from-tracing', TRACING_SAMPLING_RATE: '0.5', TRACING_COLLECTOR_URL: 'http://mine:4318/v1/traces' };
    expect(resolve({ ...otel, ...mine }, file)).to.include({ serviceName: 'from-tracing', samplingRate: 0.5, endpoint: 'http://mine:4318/v1/traces' });
    expect(resolve({}, file)).to.include({ serviceName: 'from-file', samplingRate: 0.3, endpoint: 'http://file:4318/v1/traces' });
  });

  it('OTEL_SDK_DISABLED=true disables even when TRACING_ENABLED=true', () => {
    expect(resolve({ OTEL_SDK_DISABLED: 'true', TRACING_ENABLED: 'true' }).enabled).to.equal(false);
    expect(resolve({ TRACING_ENABLED: 'false' }).enabled).to.equal(false);
    expect(resolve({}, { TRACING_ENABLED: 'false' }).enabled).to.equal(false);
    expect(resolve({ TRACING_ENABLED: 'true' }, { TRACING_ENABLED: 'false' }).enabled).to.equal(true);
  });

  it('maps OTEL_TRACES_SAMPLER values', () => {
    expect(resolve({ OTEL_TRACES_SAMPLER: 'always_off' })).to.include({ samplingRate: 0, parentBased: false });
    expect(resolve({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).to.include({ samplingRate: 0.25, parentBased: false });
    expect(resolve({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' })).to.include({ samplingRate: 0, parentBased: true });
  });

  it('chooses exporters and protocols', () => {
    expect(resolve({ TRACING_EXPORTER: 'jaeger' }).endpoint).to.equal('http://localhost:14268/api/traces');
    expect(resolve({ OTEL_TRACES_EXPORTER: 'console' }).exporter).to.equal('console');
    expect(resolve({ TRACING_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'otlp' }).exporter).to.equal('none');
    expect(resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).to.include({ otlpProtocol: 'grpc', endpoint: 'http://localhost:4317' });
    expect(resolve({ TRACING_COLLECTOR_URL: 'http://collector:4317' })).to.include({ exporter: 'otlp', otlpProtocol: 'grpc' });
    expect(resolve({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x:9999/custom' }).endpoint).to.equal('http://x:9999/custom');
  });

  it('reads OTEL_BSP_* batch settings', () => {
    const c = resolve({ OTEL_BSP_MAX_QUEUE_SIZE: '4096', OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '256', OTEL_BSP_EXPORT_TIMEOUT: '3000' });
    expect(c.batch).to.deep.equal({ maxQueueSize: 4096, maxExportBatchSize: 256, scheduledDelayMillis: 200, exportTimeoutMillis: 3000 });
  });

  it('TRACING_OTLP_PROTOCOL ranks as every TRACING_* key: the environment beats OTEL_*, config.yaml does not', () => {
    expect(resolve({ TRACING_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).to.include({ otlpProtocol: 'grpc', endpoint: 'http://localhost:4317' });
    expect(resolve({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, { TRACING_OTLP_PROTOCOL: 'grpc' })).to.include({ otlpProtocol: 'http/protobuf' });
    expect(resolve({}, { TRACING_OTLP_PROTOCOL: 'grpc' })).to.include({ otlpProtocol: 'grpc' });
  });

  it('names where a bad value was set, in the format of every config error; a value overridden is not checked', () => {
    expect(() => resolve({ TRACING_SAMPLING_RATE: '2' })).to.throw(ConfigError, 'invalid configuration:\n  TRACING_SAMPLING_RATE: must be a number from 0 to 1');
    expect(() => resolve({}, { TRACING_SAMPLING_RATE: '2' })).to.throw(ConfigError, 'invalid configuration:\n  tracing.sampling_rate in config.yaml: must be a number from 0 to 1');
    expect(resolve({ TRACING_SAMPLING_RATE: '0.5' }, { TRACING_SAMPLING_RATE: '2' }).samplingRate).to.equal(0.5);
    expect(() => resolve({ OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200' })).to.throw(ConfigError, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE: must not exceed OTEL_BSP_MAX_QUEUE_SIZE');
  });

  const bad: Array<[NodeJS.ProcessEnv, Record<string, string>, RegExp]> = [
    [{ TRACING_SAMPLING_RATE: '1.5' }, {}, /TRACING_SAMPLING_RATE/],
    [{ TRACING_SAMPLING_RATE: 'half' }, {}, /TRACING_SAMPLING_RATE/],
    [{}, { TRACING_SAMPLING_RATE: '-1' }, /tracing\.sampling_rate/],
    [{ TRACING_ENABLED: 'yes please' }, {}, /TRACING_ENABLED/],
    [{ TRACING_EXPORTER: 'zipkin' }, {}, /TRACING_EXPORTER/],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, {}, /OTEL_TRACES_SAMPLER/],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: '0' }, {}, /OTEL_BSP_MAX_QUEUE_SIZE/],
    [{ TRACING_COLLECTOR_URL: 'not a url' }, {}, /TRACING_COLLECTOR_URL/],
  ];
  for (const [env, file, key] of bad) {
    it(`rejects ${JSON.stringify({ ...env, ...file })} naming the key`, () => {
      expect(() => resolve(env, file)).to.throw(ConfigError, key);
    });
  }
});
