// `npm run trace -- <trace-id>` / `npm run trace -- --last [service]`: a trace from Jaeger's API
// as a waterfall in the terminal, since a Jaeger built from source has no UI.
import { wantsColor } from './color';
import { fetchTrace, lastTraceId, TraceQueryError } from './trace/jaeger-query';
import { parseArgs } from './trace/trace-args';
import { renderWaterfall } from './trace/waterfall';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), process.env);
  const traceId = 'traceId' in args.target ? args.target.traceId : await lastTraceId(args.jaegerUrl, args.target.lastOf);
  const spans = await fetchTrace(args.jaegerUrl, traceId);
  process.stdout.write(`${renderWaterfall(spans, { color: wantsColor(process.stdout) }).join('\n')}\n`);
}

main().catch((err: unknown) => {
  if (err instanceof TraceQueryError) {
    (err.exitCode === 0 ? process.stdout : process.stderr).write(`${err.exitCode === 0 ? '' : 'trace: '}${err.message}\n`);
    process.exitCode = err.exitCode;
    return;
  }
  process.stderr.write(`trace: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
