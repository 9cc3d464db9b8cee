import { EXIT, parseTraceId, TraceQueryError } from './jaeger-query';

/** Where the trace command looks for Jaeger when --jaeger is not given. */
export const DEFAULT_JAEGER_URL = 'http://127.0.0.1:16686';

const USAGE = `usage: npm run trace -- <trace-id> [--jaeger <url>]
       npm run trace -- --last [service] [--jaeger <url>]
  <trace-id>      32 hex digits: the traceresponse header's second field, or trace_id in a log line
  --last          the most recent trace with spans from [service] (default gateway) in the last hour
  --jaeger <url>  Jaeger's query address (default: JAEGER_URL, else ${DEFAULT_JAEGER_URL})`;

/** What the command line asks for. */
export interface TraceArgs {
  jaegerUrl: string;
  target: { traceId: string } | { lastOf: string };
}

function usageError(message: string): never {
  throw new TraceQueryError(`${message}\n${USAGE}`, EXIT.USAGE);
}

/** Parses the command line (without node and the script). */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): TraceArgs {
  let jaegerUrl = env.JAEGER_URL || DEFAULT_JAEGER_URL;
  let last: string | undefined;
  let traceId: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--jaeger') {
      const value = argv[++i];
      if (!value) usageError('--jaeger needs a URL, e.g. --jaeger http://127.0.0.1:16686');
      jaegerUrl = value;
    } else if (arg.startsWith('--jaeger=')) jaegerUrl = arg.slice('--jaeger='.length);
    else if (arg === '--last') last = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i]! : 'gateway';
    else if (arg === '-h' || arg === '--help') throw new TraceQueryError(USAGE, 0);
    else if (arg.startsWith('-')) usageError(`unknown option ${arg}`);
    else if (traceId === undefined) traceId = arg;
    else usageError(`one trace id at a time (got ${traceId} and ${arg})`);
  }
  if (!/^https?:\/\/[^/\s]+/.test(jaegerUrl)) usageError(`--jaeger / JAEGER_URL "${jaegerUrl}" is not an http(s) URL`);
  jaegerUrl = jaegerUrl.replace(/\/+$/, '');
  if (last !== undefined && traceId !== undefined) usageError('give a trace id or --last, not both');
  if (last !== undefined) return { jaegerUrl, target: { lastOf: last } };
  if (traceId === undefined) usageError('which trace?');
  return { jaegerUrl, target: { traceId: parseTraceId(traceId) } };
}

