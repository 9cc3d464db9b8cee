import { expect } from 'chai';
import type { CapacityOptions } from '../../../bench/cli';
import type { ConfigName } from '../../../bench/configs';
import { startOtlpSink } from '../../../bench/otlp-sink';
import type { LoadName } from '../../../bench/loads';
import type { ProcUsage } from '../../../bench/proc-sampler';
import { renderMarkdown, renderTerminal, summarize, type BenchReport, type Measurement } from '../../../bench/report';

const OPTIONS: Omit<CapacityOptions, 'outDir'> = {
  mode: 'capacity',
  durationS: 30,
  concurrency: 50,
  rounds: 3,
  warmupS: 3,
  loads: ['rest-get-user'],
  configs: ['off', 'on-1.0-sink', 'bare'],
  smoke: false,
  retries: 0,
  ghzCpus: 1,
  rates: {},
};

const usage = (cpuMs: number): ProcUsage => ({ peakRssMb: 100, cpuPct: cpuMs / 300, cpuMs, hwmRssMb: 100 });

/** One measurement of a 30 s load with `count` calls and the given CPU ms per role. */
function measurement(config: ConfigName, load: LoadName, round: number, count: number, p50Ms: number, cpuMs: Record<string, number>, extra: Record<string, ProcUsage> = {}): Measurement {
  return {
    round,
    config,
    load,
    concurrency: 50,
    result: { rps: count / 30, p50Ms, p90Ms: p50Ms * 2, p99Ms: p50Ms * 3, count, errors: 0, statusCodes: { '200': count }, errorMessages: {}, durationS: 30 },
    usage: { ...Object.fromEntries(Object.entries(cpuMs).map(([role, ms]) => [`${config}/${role}`, usage(ms)])), ...extra },
    quiesceMs: 0,
    idleBeforePct: 0,
    attempt: 1,
    startedAt: new Date(0).toISOString(),
  };
}

describe('bench report: CPU per request', function () {
  // 30,000 calls per round; off uses 9 s of CPU over the three processes (300 µs/req), the sink
  // configuration 3% more in rounds 0 and 2 and 10% more in round 1 (the median ratio is 1.03).
  const measurements: Measurement[] = [];
  for (let round = 0; round < 3; round++) {
    const scale = round === 1 ? 1.1 : 1.03;
    const drift = 1 + round * 0.2; // whole-machine drift between rounds: pairing must cancel it
    measurements.push(measurement('off', 'rest-get-user', round, 30_000, 10, { gateway: 4000 * drift, user: 3000 * drift, auth: 2000 * drift }));
    measurements.push(
      measurement('on-1.0-sink', 'rest-get-user', round, 29_000, 10.4, { gateway: 4000 * drift * scale * (29 / 30), user: 3000 * drift * scale * (29 / 30), auth: 2000 * drift * scale * (29 / 30) }, {
        sink: usage(290),
        jaeger: usage(0),
      }),
    );
    measurements.push(measurement('bare', 'rest-get-user', round, 30_300, 9.9, { gateway: 3960 * drift, user: 2970 * drift, auth: 1980 * drift }));
  }
  const rows = summarize(measurements);
  const row = (config: ConfigName) => rows.find((r) => r.config === config && r.load === 'rest-get-user')!;

  it('sums gateway + user + auth CPU per completed call and pairs the ratio with off round by round', function () {
    expect(row('off').cpuUsPerRequest).to.equal(360); // median of 300, 360, 420
    expect(row('off').cpuRatio).to.equal(undefined);
    expect(row('off').processes.gateway?.cpuUsPerRequest).to.equal(160);
    expect(row('on-1.0-sink').cpuRatio).to.equal(1.03);
    expect(row('on-1.0-sink').sinkCpuUsPerRequest).to.equal(10);
    expect(row('on-1.0-sink').jaegerCpuUsPerRequest).to.equal(0);
    expect(row('off').sinkCpuPct).to.equal(undefined);
  });

  it('renders the CPU columns in both reports', function () {
    const report: BenchReport = {
      startedAt: new Date(0).toISOString(),
      finishedAt: new Date(0).toISOString(),
      aborted: false,
      options: OPTIONS,
      machine: { cpus: 2, cpuModel: 'test', memoryGb: 1, node: process.version, platform: 'test' },
      stackMode: 'test',
      spanProcessorEnv: {},
      configs: [{ name: 'on-1.0-sink', description: 'test', env: { TRACING_INSTRUMENTATION: 'lean' } }],
      loads: [],
      measurements,
      summary: rows,
      spans: {},
      sink: { requests: 10, bytes: 10 * 1024, otherRequests: 0 },
    };
    const md = renderMarkdown(report);
    expect(md).to.include('| CPU µs/req | CPU/off |');
    // Medians over rounds of 309 / 396 / 432.6 µs (gateway 137 / 176 / 192, user 103 / 132 / 144, auth 69 / 88 / 96).
    expect(md).to.include('| rest-get-user | on-1.0-sink | 396 | 1.030 | 176 | 132 | 88.0 | 0.0 | 10.0 | - |');
    expect(md).to.include('`TRACING_INSTRUMENTATION=lean`');
    expect(md).to.include('10 POST /v1/traces answered');
    const term = renderTerminal(report);
    expect(term).to.include('CPU µs/req');
  });
});

describe('bench OTLP sink', function () {
  it('answers POST /v1/traces with 200, an empty protobuf body, and counts requests and bytes', async function () {
    const sink = await startOtlpSink('127.0.0.1', 0);
    try {
      const url = `http://127.0.0.1:${sink.port}/v1/traces`;
      for (const size of [10, 5000]) {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(size) });
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.equal('application/x-protobuf');
        expect((await res.arrayBuffer()).byteLength).to.equal(0);
      }
      expect((await fetch(`http://127.0.0.1:${sink.port}/other`, { method: 'POST', body: 'x' })).status).to.equal(404);
      expect((await fetch(url)).status).to.equal(405);
      expect(sink.stats).to.deep.equal({ requests: 2, bytes: 5010, otherRequests: 2 });
    } finally {
      await sink.stop();
    }
  });
});
