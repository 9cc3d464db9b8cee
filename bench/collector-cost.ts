// `npm run bench -- --collector`: what the collector tier costs. One traced stack (lean, sampling 1.0)
// exporting to the two tiers of deploy/ (scripts/stack/collector-tier.ts), autocannon on REST GET
// user; reports the CPU of the collector and of the query Jaeger per 1,000 spans they received,
// and the share of traces the tail sampling kept. With --samplers N, N samplers behind the
// load-balancing layer (deploy/otelcol-lb.yaml): the CPU of the load balancer and of each sampler
// per 1,000 spans the services sent. Loopback only; stops by itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeCollectorTierPorts, samplerPortsFor, startCollectorTier } from '../scripts/stack/collector-tier';
import { projectRoot } from '../shared/paths';
import { startStack } from './bench-stack';
import type { SoakOptions } from './cli';
import { planLoad, runPlanned } from './load-plan';
import { ProcSampler } from './proc-sampler';

const KEEP_PERCENT = 10;

async function tracesKept(queryUrl: string, fromMs: number, toMs: number): Promise<number> {
  const query = new URLSearchParams({
    'query.service_name': 'gateway',
    'query.start_time_min': new Date(fromMs).toISOString(),
    'query.start_time_max': new Date(toMs).toISOString(),
    'query.num_traces': '1000000',
  });
  const res = await fetch(`${queryUrl}/api/v3/traces?${query.toString()}`, { signal: AbortSignal.timeout(60_000) });
  if (res.status === 404) return 0;
  const body = (await res.json()) as { result?: { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ traceId: string }> }> }> } };
  const ids = new Set<string>();
  for (const rs of body.result?.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) ids.add(s.traceId);
  return ids.size;
}

/** Runs the measurement and writes its JSON report (printed too). */
export async function runCollectorCost({ durationS, concurrency, outDir, samplers }: SoakOptions): Promise<void> {
  const badgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-badger-'));
  const tier = await startCollectorTier({
    ports: await freeCollectorTierPorts(),
    badgerDir,
    sampling: { keepPercent: KEEP_PERCENT, decisionWait: '2s' },
    ...(samplers === undefined ? {} : { samplers, samplerPorts: await samplerPortsFor(samplers, undefined) }),
  });
  const stack = await startStack('on-1.0', { jaegerOtlpUrl: tier.otlpHttpUrl });
  try {
    const sampler = new ProcSampler(200);
    const pids = tier.pids();
    // With samplers, `collector` is the load balancer (what the services export to).
    const roles = ['collector', ...tier.samplers.map((s) => `sampler-${s.index}`), 'query'];
    sampler.add('collector', pids.collector);
    for (const s of tier.samplers) sampler.add(`sampler-${s.index}`, s.pid());
    sampler.add('query', pids.query);
    const from = Date.now();
    sampler.start();
    const load = await runPlanned(planLoad('rest-get-user', stack, { concurrency, durationS, ghzCpus: 1, rate: 0 }));
    // The last traces' decisions (2 s after their first span), then the forwarding to the query tier.
    await new Promise((r) => setTimeout(r, 5000));
    const usage = sampler.stop();
    await stack.stop();
    const spans = Object.values(stack.spanStats).reduce((sum, s) => sum + (s?.exported ?? 0), 0);
    const kept = await tracesKept(tier.queryUrl, from - 60_000, Date.now() + 60_000);
    const perThousand = (ms: number | undefined) => Math.round(((ms ?? 0) / spans) * 1000 * 10) / 10;
    const report = {
      at: new Date(from).toISOString(),
      load: { requests: load.count, rps: Math.round(load.rps), errors: load.errors, durationS, concurrency },
      spansReceived: spans,
      ...(samplers === undefined ? {} : { samplers, collectorIs: 'the load balancer (otelcol-lb)' }),
      cpuMs: Object.fromEntries(roles.map((r) => [r, usage[r]?.cpuMs])),
      cpuMsPer1000Spans: Object.fromEntries(roles.map((r) => [r, perThousand(usage[r]?.cpuMs)])),
      peakRssMb: Object.fromEntries(roles.map((r) => [r, usage[r]?.peakRssMb])),
      keptTraces: kept,
      keptShare: Math.round((kept / Math.max(1, load.count)) * 1000) / 1000,
      keepPercentConfigured: KEEP_PERCENT,
    };
    const out = path.join(outDir, `collector${samplers === undefined ? '' : `-${samplers}-samplers`}-${report.at.replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\nreport: ${path.relative(projectRoot, out)}\n`);
  } finally {
    await stack.stop();
    await tier.stop();
    fs.rmSync(badgerDir, { recursive: true, force: true });
  }
}
