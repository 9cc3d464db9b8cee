import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { SpanKind } from '@opentelemetry/api';
import { expect } from 'chai';

const run = promisify(execFile);
const fixtures = path.resolve(__dirname, '../../../fixtures/telemetry');

interface ProbeSpan {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}
interface ProbeResult {
  patched: boolean;
  contextManager: boolean;
  resource: Record<string, unknown> | null;
  traceparent: string | null;
  rootTraceId: string;
  rootSpanId: string;
  spans: ProbeSpan[];
}

async function probe(env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  const { stdout } = await run(
    process.execPath,
    ['--require', path.join(fixtures, 'preload.js'), path.join(fixtures, 'probe.js')],
    { env: { ...process.env, TRACING_EXPORTER: 'none', ...env }, timeout: 20_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as ProbeResult;
}

describe('telemetry preload (node --require)', () => {
  it('auto instrumentation patches grpc-js: client and server spans exist and the server receives traceparent', async () => {
    const result = await probe({ TRACING_INSTRUMENTATION: 'auto' });
    expect(result.patched, 'grpc-js patched').to.equal(true);
    expect(result.contextManager, 'a context manager is active').to.equal(true);
    const client = result.spans.find((s) => s.kind === SpanKind.CLIENT && s.name === 'grpc.user.v1.UserService/GetUser');
    const server = result.spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'grpc.user.v1.UserService/GetUser');
    expect(client, 'gRPC client span').to.exist;
    expect(server, 'gRPC server span').to.exist;
    expect(client!.parentSpanId).to.equal(result.rootSpanId);
    expect(server!.parentSpanId).to.equal(client!.spanId);
    expect(server!.traceId).to.equal(result.rootTraceId);
    expect(server!.attributes['rpc.system']).to.equal('grpc');
    expect(server!.attributes['rpc.method']).to.equal('GetUser');
    expect(result.traceparent).to.equal(`00-${result.rootTraceId}-${client!.spanId}-01`);
  });

  it('lean instrumentation (the default) patches nothing: unary() makes the client span and sends its traceparent', async () => {
    const result = await probe({});
    expect(result.patched, 'grpc-js patched').to.equal(false);
    // AsyncLocalStorage (AsyncContextFrame on Node 24) still parents DB spans and handlers' own spans.
    expect(result.contextManager, 'a context manager is active').to.equal(true);
    const client = result.spans.find((s) => s.kind === SpanKind.CLIENT && s.name === 'grpc.user.v1.UserService/GetUser');
    expect(client, 'gRPC client span').to.exist;
    expect(client!.parentSpanId).to.equal(result.rootSpanId);
    expect(client!.attributes).to.include({ 'rpc.system': 'grpc', 'rpc.service': 'user.v1.UserService', 'rpc.method': 'GetUser', 'rpc.grpc.status_code': 0 });
    // The probe's server is plain grpc-js, not implement(): with nothing patched it has no span.
    expect(result.spans.filter((s) => s.kind === SpanKind.SERVER)).to.deep.equal([]);
    expect(result.traceparent).to.equal(`00-${result.rootTraceId}-${client!.spanId}-01`);
  });

  it('with tracing disabled records nothing and passes the caller\'s traceparent through unchanged', async () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const result = await probe({ TRACING_ENABLED: 'false', PROBE_TRACEPARENT: incoming });
    expect(result.spans).to.deep.equal([]);
    // Off costs nothing: no module is patched and no context manager runs (bench/README.md).
    expect(result.patched, 'grpc-js patched').to.equal(false);
    expect(result.contextManager, 'a context manager is active').to.equal(false);
    expect(result.traceparent).to.equal(incoming);
  });

  it('with tracing enabled continues the caller\'s trace', async () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const result = await probe({ PROBE_TRACEPARENT: incoming });
    const root = result.spans.find((s) => s.name === 'probe-root');
    expect(root?.traceId).to.equal('0af7651916cd43dd8448eb211c80319c');
    expect(root?.parentSpanId).to.equal('b7ad6b7169203331');
    expect(result.traceparent).to.match(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  });
});

describe('telemetry bootstrap configuration, in a real process', () => {
  it('names the service by precedence and honours OTEL_RESOURCE_ATTRIBUTES', async () => {
    const otel = await probe({ OTEL_SERVICE_NAME: 'from-otel', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,team=platform' });
    expect(otel.resource).to.include({ 'service.name': 'from-otel', 'deployment.environment.name': 'staging', team: 'platform' });
    const mine = await probe({ OTEL_SERVICE_NAME: 'from-otel', TRACING_SERVICE_NAME: 'from-tracing' });
    expect(mine.resource).to.include({ 'service.name': 'from-tracing' });
    const fallback = await probe({});
    expect(fallback.resource).to.include({ 'service.name': 'telemetry-probe', 'service.version': '0.1.0' });
  });

  for (const mode of ['lean', 'auto']) {
    it(`puts service.instance.id in the resource (${mode}): SERVICE_INSTANCE_ID, else OTEL_RESOURCE_ATTRIBUTES, else unique per process`, async () => {
      const set = await probe({ TRACING_INSTRUMENTATION: mode, SERVICE_INSTANCE_ID: 'user-1', OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=pod-9' });
      expect(set.resource).to.include({ 'service.instance.id': 'user-1' });
      const otel = await probe({ TRACING_INSTRUMENTATION: mode, OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=pod-9' });
      expect(otel.resource).to.include({ 'service.instance.id': 'pod-9' });
      const [first, second] = await Promise.all([probe({ TRACING_INSTRUMENTATION: mode }), probe({ TRACING_INSTRUMENTATION: mode })]);
      expect(first.resource!['service.instance.id']).to.be.a('string').and.not.equal(second.resource!['service.instance.id']);
    });
  }

  it('OTEL_SDK_DISABLED=true wins over TRACING_ENABLED=true', async () => {
    const result = await probe({ OTEL_SDK_DISABLED: 'true', TRACING_ENABLED: 'true' });
    expect(result.spans).to.deep.equal([]);
  });

  it('the console exporter prints the spans on stdout', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--require', path.join(fixtures, 'preload.js'), path.join(fixtures, 'probe.js')],
      { env: { ...process.env, TRACING_EXPORTER: 'console' }, timeout: 20_000 },
    );
    expect(stdout).to.contain("name: 'grpc.user.v1.UserService/GetUser'");
    expect(stdout).to.contain("name: 'probe-root'");
  });

  it('at shutdown waits for the last export up to OTEL_BSP_EXPORT_TIMEOUT, as the Kubernetes grace periods count it', async function () {
    this.timeout(30_000);
    // A collector that answers after 5.5 s: longer than a fixed 5 s cut, within the 8 s configured.
    const posts: number[] = [];
    const collector = http.createServer((req, res) => {
      req.resume();
      posts.push(Date.now());
      setTimeout(() => res.end(), 5500);
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as { port: number };
    try {
      const { stderr } = await run(process.execPath, ['--require', path.join(fixtures, 'preload.js'), path.join(fixtures, 'probe.js')], {
        // A one-minute batch delay: only the shutdown flush exports.
        env: { ...process.env, TRACING_COLLECTOR_URL: `http://127.0.0.1:${port}/v1/traces`, OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BSP_EXPORT_TIMEOUT: '8000' },
        timeout: 25_000,
      });
      expect(posts, 'one POST, at shutdown').to.have.length(1);
      const stats = JSON.parse(stderr.split('\n').find((l) => l.includes('"telemetry stats"'))!) as { spans: { ended: number; exported: number; failed: number } };
      expect(stats.spans.exported, 'spans exported before exit').to.equal(stats.spans.ended).and.be.greaterThan(0);
    } finally {
      collector.close();
    }
  });

  it('an invalid tracing setting stops the process at start, naming the key', async () => {
    const err = await run(process.execPath, ['--require', path.join(fixtures, 'preload.js'), path.join(fixtures, 'probe.js')], {
      env: { ...process.env, TRACING_SAMPLING_RATE: '2' },
      timeout: 20_000,
    }).then(
      () => undefined,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(err?.code).to.equal(1);
    expect(err?.stderr).to.contain('TRACING_SAMPLING_RATE: must be a number from 0 to 1');
  });
});

describe('telemetry preload for ES modules (--import with the loader hook, auto instrumentation)', () => {
  const incomingTrace = '0af7651916cd43dd8448eb211c80319c';
  const esmProbe = path.join(fixtures, 'esm-probe.mjs');

  async function esm(preload: string): Promise<{ traceparent: string | null; enabled: boolean | null }> {
    const { stdout } = await run(process.execPath, ['--import', preload, esmProbe], {
      // Patching is what auto instrumentation does; the lean path patches nothing in either module system.
      env: { ...process.env, TRACING_EXPORTER: 'none', TRACING_INSTRUMENTATION: 'auto' },
      timeout: 20_000,
    });
    return JSON.parse(stdout.trim().split('\n').pop()!) as { traceparent: string | null; enabled: boolean | null };
  }

  it('register-esm.mjs patches grpc-js imported by an ES module: the call continues the trace', async () => {
    const result = await esm(path.resolve(__dirname, '../../../../shared/telemetry/register-esm.mjs'));
    expect(result.enabled).to.equal(true);
    expect(result.traceparent).to.match(new RegExp(`^00-${incomingTrace}-[0-9a-f]{16}-01$`));
    expect(result.traceparent).to.not.contain('b7ad6b7169203331'); // a new client span, not a pass-through
  });

  it('without the loader hook the same bootstrap leaves ESM-imported grpc-js unpatched', async () => {
    const result = await esm(path.join(fixtures, 'esm-without-hook.mjs'));
    expect(result.enabled).to.equal(true);
    expect(result.traceparent).to.equal(null);
  });
});
