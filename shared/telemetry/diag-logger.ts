import { DiagLogLevel, type DiagLogger } from '@opentelemetry/api';

const LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** OTEL_LOG_LEVEL as a DiagLogLevel (default WARN). */
export function diagLevel(value: string | undefined): DiagLogLevel {
  return LEVELS[(value ?? 'warn').toLowerCase()] ?? DiagLogLevel.WARN;
}

/**
 * The SDK's own problems (an unreachable collector, a dropped batch) as JSON lines on stderr, in
 * the same shape as the application's logs. The same message is repeated at most once a minute,
 * so a collector that is down for an hour does not flood the log.
 */
export function createDiagLogger(service: string, repeatAfterMs = 60_000): DiagLogger {
  const lastSeen = new Map<string, number>();
  const write = (level: string) => (message: string, ...args: unknown[]) => {
    const now = Date.now();
    const key = `${level}:${message}`;
    const last = lastSeen.get(key);
    if (last !== undefined && now - last < repeatAfterMs) return;
    lastSeen.set(key, now);
    const detail = args
      .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeJson(a)))
      .filter(Boolean)
      .join(' ');
    process.stderr.write(
      `${JSON.stringify({ level, time: new Date(now).toISOString(), service, component: 'opentelemetry', msg: message, detail: detail || undefined })}\n`,
    );
  };
  return {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    verbose: write('trace'),
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}
