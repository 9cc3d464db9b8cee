import proxyaddr from 'proxy-addr';
import { z } from 'zod';

// Field builders for environment-style config. Environment values are strings, so each builder
// parses text strictly: "1e3" is not a port and "yes" is not a boolean.

/** A TCP port, 0 (pick a free one) to 65535. */
export const port = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(0, 'must be 0..65535').max(65535, 'must be 0..65535'))
    .default(fallback);

/** A TCP port (1 to 65535) that is off unless set. */
export const optionalPort = () =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be 1..65535').max(65535, 'must be 1..65535'))
    .optional();

/** A positive whole number (milliseconds, seconds, counts). */
export const positiveInt = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a positive whole number')
    .transform(Number)
    .pipe(z.number().int().positive('must be a positive whole number'))
    .default(fallback);

/** A boolean spelled true/false/1/0. */
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'TRUE', 'FALSE', 'True', 'False'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'TRUE' || v === 'True')
    .default(fallback);

/** A number in [0, 1], such as a sampling ratio. */
export const ratio = () =>
  z
    .string()
    .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'must be a number from 0 to 1')
    .transform(Number);

/**
 * One of `values`; the message names them and the value given. `ignoreCase`: any spelling is
 * accepted, and the value comes out lower-case.
 */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, options: { ignoreCase?: boolean } = {}) => {
  const normalise = (v: string) => (options.ignoreCase ? v.toLowerCase() : v);
  const expected = values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`;
  return z
    .string()
    .superRefine((value, ctx) => {
      if (!(values as readonly string[]).includes(normalise(value))) ctx.addIssue({ code: 'custom', message: `must be ${expected}, got "${value}"` });
    })
    .transform((value) => normalise(value) as T[number]);
};

/** An absolute URL (a collector's endpoint). */
export const url = () => z.string().refine((value) => URL.canParse(value), { message: 'must be a URL' });

/** A comma-separated list, trimmed, empty entries dropped. */
export const list = (fallback: string[] = []) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .default(fallback);

/** Log level accepted by pino. */
export const logLevel = () =>
  z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/**
 * What is wrong with a list of addresses, CIDR ranges and the names `loopback` / `linklocal` /
 * `uniquelocal`, as proxy-addr reads them; undefined when every entry is valid.
 */
export function addressListProblem(entries: readonly string[]): string | undefined {
  try {
    proxyaddr.compile([...entries]);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
