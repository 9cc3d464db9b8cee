const hasOwn = Object.prototype.hasOwnProperty;

/** What a redacted value is written as. */
export const CENSOR = '[redacted]';

/** Keys whose values never reach a log line: on the logged object itself or on any object one level below it. */
export const SECRET_KEYS = ['password', 'token', 'accessToken', 'refreshToken', 'authorization'] as const;

/**
 * Paths pino redacts itself: the secret keys at the top of a line and a request's headers. pino
 * looks each up only on a line that has the path's first key, so these cost a line nothing.
 */
export const NAMED_PATHS = [...SECRET_KEYS, 'headers.authorization', 'headers.cookie', 'req.headers.authorization', 'req.headers.cookie'];

/**
 * Censors the secret keys of every object one level below `value`: what pino's `*.password`
 * wildcard paths did. Done here because pino runs a wildcard path's redactor on the value of
 * every key of every line, strings included (~1 µs a key, 10-14 µs a request line:
 * bench/README.md, 2026-12-01); this is a type check per key. Returns `value` itself when nothing is secret,
 * otherwise a shallow copy, so the caller's object is never changed.
 */
export function censorOneLevelDown<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  let out: Record<string, unknown> | unknown[] | undefined;
  for (const key in value) {
    if (!hasOwn.call(value, key)) continue;
    const inner = (value as Record<string, unknown>)[key];
    if (typeof inner !== 'object' || inner === null || !holdsSecret(inner)) continue;
    out ??= Array.isArray(value) ? [...value] : copyOf(value as object);
    (out as Record<string, unknown>)[key] = censored(inner);
  }
  return (out ?? value) as T;
}

function holdsSecret(value: object): boolean {
  for (const key of SECRET_KEYS) if (hasOwn.call(value, key)) return true;
  return false;
}

/**
 * A copy with the same prototype and own properties (an Error stays an Error for pino's
 * serializer), every one a plain writable value: V8's `stack` is an accessor that answers only on
 * the object that was thrown, and a frozen object's properties could not be censored.
 */
function copyOf(value: object): Record<string, unknown> {
  const descriptors = Object.getOwnPropertyDescriptors(value) as Record<string, PropertyDescriptor>;
  for (const key of Object.keys(descriptors)) {
    const enumerable = descriptors[key]!.enumerable ?? false;
    descriptors[key] = { value: (value as Record<string, unknown>)[key], writable: true, configurable: true, enumerable };
  }
  return Object.create(Object.getPrototypeOf(value), descriptors) as Record<string, unknown>;
}

/** `value` with each secret key of its own replaced by {@link CENSOR}. */
function censored(value: object): object {
  const copy = copyOf(value);
  for (const key of SECRET_KEYS) if (hasOwn.call(copy, key)) copy[key] = CENSOR;
  return copy;
}
