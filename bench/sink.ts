import path from 'node:path';
import { parseJsonLine, stop, waitForReady, type LaunchedProcess } from '../scripts/stack/launch';
import { spawnTracked } from './children';
import { SINK_STATS_MSG, type SinkStats } from './otlp-sink';

/** The discard OTLP/HTTP sink (bench/otlp-sink.ts) the harness started, as its own process. */
export interface BenchSink {
  proc: LaunchedProcess;
  /** OTLP/HTTP traces URL (`.../v1/traces`). */
  otlpHttpUrl: string;
  /** Stops the sink; resolves with what it counted (undefined if it printed nothing). */
  stop(): Promise<SinkStats | undefined>;
}

/** Starts `node dist/bench/otlp-sink.js` on a free loopback port and waits for its ready line. */
export async function startSink(timeoutMs = 30_000): Promise<BenchSink> {
  let stats: SinkStats | undefined;
  const proc = spawnTracked({
    name: 'sink',
    command: process.execPath,
    args: [path.join('dist', 'bench', 'otlp-sink.js')],
    env: { SINK_HOST: '127.0.0.1', SINK_PORT: '0', NODE_OPTIONS: undefined },
    onLine: (line, stream) => {
      if (stream !== 'stdout' || !line.includes(SINK_STATS_MSG)) return;
      const record = parseJsonLine(line);
      if (record?.msg !== SINK_STATS_MSG) return;
      stats = { requests: Number(record.requests ?? 0), bytes: Number(record.bytes ?? 0), otherRequests: Number(record.otherRequests ?? 0) };
    },
  });
  let port: number;
  try {
    const ready = await waitForReady(proc, timeoutMs);
    port = Number(ready.port);
    if (!Number.isInteger(port) || port <= 0) throw new Error(`sink reported no port: ${JSON.stringify(ready)}`);
  } catch (err) {
    await stop(proc, 'SIGKILL');
    throw err;
  }
  return {
    proc,
    otlpHttpUrl: `http://127.0.0.1:${port}/v1/traces`,
    stop: async () => {
      await stop(proc, 'SIGTERM', 10_000);
      return stats;
    },
  };
}
