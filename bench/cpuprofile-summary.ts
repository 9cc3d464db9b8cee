// Summarises a V8 .cpuprofile (from `node --cpu-prof`, or `npm run bench -- --cpu-prof <dir>`):
// where the sampled time went, by package and by function, and how much of it ran under frames
// of a given package (e.g. everything OpenTelemetry did, including what it called).
//   npm run bench -- --profile-summary <file.cpuprofile> [--top 25]
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The package (or bucket) a frame belongs to: `@opentelemetry/sdk-trace-base`, `node:internal`, `(gc)`, `project`. */
export function bucketOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const dist = url.indexOf('/dist/');
  return dist !== -1 ? `project:${url.slice(dist + 6).split('/').slice(0, 2).join('/')}` : url;
}

/** Packages whose inclusive time (their frames and everything below them) is reported. */
const INCLUSIVE = ['@opentelemetry', 'pino', '@grpc/grpc-js', 'express', '@trpc', 'zod', 'kysely', 'better-sqlite3', 'jose'];

/** Self and inclusive time of a profile, in ms and percent of the sampled time. */
export function summarizeProfile(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;

  const byBucket = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>(INCLUSIVE.map((p) => [p, 0]));
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const bucket = bucketOf(node.callFrame);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + us);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${path.basename(node.callFrame.url || '')}:${node.callFrame.lineNumber + 1} [${bucket}]`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    // Inclusive: count the sample once for every package that appears on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const b = bucketOf(byId.get(cur)!.callFrame);
      for (const p of INCLUSIVE) if (b.startsWith(p)) seen.add(p);
    }
    for (const p of seen) inclusive.set(p, (inclusive.get(p) ?? 0) + us);
  }

  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `sampled ${ms(total)} ms, busy (not idle) ${ms(busy)} ms = ${((busy / total) * 100).toFixed(0)}% of one core`,
    '',
    'self time by package (% of busy):',
    ...[...byBucket.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `  ${pct(us)} ${ms(us)} ms  ${k}`),
    '',
    'inclusive time under frames of (% of busy; a sample counts once per package on its stack):',
    ...[...inclusive.entries()].sort((a, b) => b[1] - a[1]).map(([k, us]) => `  ${pct(us)} ${ms(us)} ms  ${k}`),
    '',
    'top functions by self time:',
    ...[...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `  ${pct(us)} ${ms(us)} ms  ${k}`),
  ];
  return lines.join('\n');
}

/** Reads a .cpuprofile file and returns its summary. */
export function summarizeProfileFile(file: string, top: number): string {
  return summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, top);
}
