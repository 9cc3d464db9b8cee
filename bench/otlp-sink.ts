// A discard OTLP/HTTP collector: answers every `POST /v1/traces` with 200 and an empty
// ExportTraceServiceResponse, reads and drops the body, counts requests and bytes. The benchmark's
// "spans exported to a sink that costs the machine little": what exporting costs the traced
// processes, without a real backend (Jaeger decodes and stores every span, on the same 2 cores).
// Run as `node dist/bench/otlp-sink.js`; SINK_HOST (127.0.0.1) and SINK_PORT (0 = a free port).
// Prints `{"msg":"ready","port":...}` on stdout once listening and, at SIGTERM/SIGINT,
// `{"msg":"sink stats",...}` before exiting. Plain node:http and nothing else: no logger, no
// protobuf decoding, so its own CPU stays small.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the sink counted (printed as the `sink stats` line at shutdown). */
export interface SinkStats {
  /** `POST /v1/traces` requests answered 200. */
  requests: number;
  /** Body bytes of those requests, as received (compressed if the exporter compressed). */
  bytes: number;
  /** Any other request (answered 404/405). */
  otherRequests: number;
}

/** The line the sink prints at shutdown. */
export const SINK_STATS_MSG = 'sink stats';

/** Starts the sink; resolves with the bound port, the live counts and a stop function. */
export async function startOtlpSink(host: string, port: number): Promise<{ port: number; stats: SinkStats; stop(): Promise<void> }> {
  const stats: SinkStats = { requests: 0, bytes: 0, otherRequests: 0 };
  const server = http.createServer((req, res) => {
    const traces = req.url === '/v1/traces' || req.url?.startsWith('/v1/traces?') === true;
    if (!traces || req.method !== 'POST') {
      stats.otherRequests++;
      req.resume();
      res.writeHead(traces ? 405 : 404, { 'content-length': '0' }).end();
      return;
    }
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      stats.requests++;
      stats.bytes += bytes;
      // An empty protobuf message is zero bytes: a valid ExportTraceServiceResponse (no partial_success).
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' }).end();
    });
    req.on('error', () => res.destroy());
  });
  // The exporters keep their connection alive between batches (one every second or so, or every
  // 5 s with the stock BatchSpanProcessor); Node's default 5 s idle timeout would race them.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) {
  const host = process.env.SINK_HOST ?? '127.0.0.1';
  const port = Number(process.env.SINK_PORT ?? '0');
  startOtlpSink(host, port).then(
    (sink) => {
      process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'ready', host, port: sink.port })}\n`);
      let stopping = false;
      const onSignal = () => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`${JSON.stringify({ level: 'info', msg: SINK_STATS_MSG, ...sink.stats })}\n`);
        void sink.stop().finally(() => process.exit(0));
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    },
    (err: unknown) => {
      process.stderr.write(`otlp-sink: cannot start: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
