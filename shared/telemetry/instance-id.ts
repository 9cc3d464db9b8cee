import os from 'node:os';
import { ConfigError } from '../config/load-config';

/** The resource attribute that tells instances of one service apart. */
export const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';

// Printable and short: it lands in every log line and span resource, and in Jaeger's UI.
const VALID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

/** `service.instance.id` in an OTEL_RESOURCE_ATTRIBUTES value (`k=v,k=v`, values percent-encoded). */
function fromResourceAttributes(value: string | undefined): string | undefined {
  for (const pair of (value ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === ATTR_SERVICE_INSTANCE_ID) {
      try {
        return decodeURIComponent(pair.slice(eq + 1).trim());
      } catch {
        return pair.slice(eq + 1).trim();
      }
    }
  }
  return undefined;
}

/**
 * This process's `service.instance.id`, for its trace resource and its log lines. Precedence:
 * `SERVICE_INSTANCE_ID` > `service.instance.id` in `OTEL_RESOURCE_ATTRIBUTES` > `service_instance_id`
 * in config.yaml > `<hostname>-<pid>`, unique on a machine and readable (the launcher sets
 * `user-0`, `user-1`, ...). A malformed value is a ConfigError naming where it came from.
 */
export function resolveServiceInstanceId(env: NodeJS.ProcessEnv, file: Record<string, string>): string {
  const candidates: Array<[string, string | undefined]> = [
    ['SERVICE_INSTANCE_ID', env.SERVICE_INSTANCE_ID],
    [`${ATTR_SERVICE_INSTANCE_ID} in OTEL_RESOURCE_ATTRIBUTES`, fromResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES)],
    ['SERVICE_INSTANCE_ID (or service_instance_id in config.yaml)', file.SERVICE_INSTANCE_ID],
  ];
  for (const [key, raw] of candidates) {
    const value = raw?.trim();
    if (!value) continue;
    if (!VALID.test(value)) {
      throw new ConfigError(
        `invalid configuration:\n  ${key}: must be 1-128 characters of letters, digits and . _ : @ / -, starting with a letter or digit; got "${value}"`,
      );
    }
    return value;
  }
  return `${os.hostname()}-${process.pid}`;
}
