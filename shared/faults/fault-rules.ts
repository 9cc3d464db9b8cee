import { status as GrpcStatus } from '@grpc/grpc-js';

/** An added delay: uniform in [minMs, maxMs], applied with `probability`. */
export interface DelayKnob {
  minMs: number;
  maxMs: number;
  probability: number;
}

/** An injected error: the call fails with gRPC status `status` (its name in `statusName`) with `probability`. */
export interface ErrorKnob {
  status: GrpcStatus;
  statusName: string;
  probability: number;
}

/** The knobs of one gRPC method (`auth.v1.AuthService/ValidateToken`). */
export interface FaultRule {
  method: string;
  delay?: DelayKnob;
  error?: ErrorKnob;
}

/** Every rule of a FAULTS setting, by method path without the leading slash. */
export type FaultPlan = ReadonlyMap<string, FaultRule>;

/** Raised for a FAULTS setting that does not parse; the message names the bad part. */
export class FaultSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultSyntaxError';
  }
}

// A delay longer than this is a typo, not a fault anyone wants to watch.
const MAX_DELAY_MS = 600_000;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s)$/;
const PROBABILITY = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/;

// OK is not an error; every other google.rpc.Code name is.
const STATUS_NAMES = Object.keys(GrpcStatus).filter((k) => Number.isNaN(Number(k)) && k !== 'OK');

function duration(text: string, where: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new FaultSyntaxError(`${where}: "${text}" is not a duration (like 150ms or 2s)`);
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (ms > MAX_DELAY_MS) throw new FaultSyntaxError(`${where}: "${text}" is longer than ${MAX_DELAY_MS / 1000}s`);
  return ms;
}

/** `value@probability` split, probability 1 when absent. */
function withProbability(text: string, where: string): { value: string; probability: number } {
  const at = text.lastIndexOf('@');
  if (at < 0) return { value: text, probability: 1 };
  const p = text.slice(at + 1);
  if (!PROBABILITY.test(p) || Number(p) === 0) throw new FaultSyntaxError(`${where}: probability "${p}" must be a number above 0 and at most 1`);
  return { value: text.slice(0, at), probability: Number(p) };
}

function delayKnob(text: string, where: string): DelayKnob {
  const { value, probability } = withProbability(text, where);
  const dash = value.indexOf('-');
  const minMs = duration(dash < 0 ? value : value.slice(0, dash), where);
  const maxMs = dash < 0 ? minMs : duration(value.slice(dash + 1), where);
  if (maxMs < minMs) throw new FaultSyntaxError(`${where}: range "${value}" ends before it starts`);
  return { minMs, maxMs, probability };
}

function errorKnob(text: string, where: string): ErrorKnob {
  const { value, probability } = withProbability(text, where);
  if (!STATUS_NAMES.includes(value)) {
    throw new FaultSyntaxError(`${where}: "${value}" is not a gRPC status (one of ${STATUS_NAMES.join(', ')})`);
  }
  return { status: GrpcStatus[value as keyof typeof GrpcStatus], statusName: value, probability };
}

/**
 * Parses a FAULTS setting: `;`-separated `<package.Service/Method>:<knob>[,<knob>]` entries, a knob
 * being `delay=150ms`, `delay=50ms-200ms`, `error=UNAVAILABLE` or either with `@<probability>`.
 * Strict: an unknown method, status or knob, a bad number or a method given twice throws a
 * FaultSyntaxError naming the part. `knownMethods` are the paths a rule may name.
 */
export function parseFaults(text: string, knownMethods: readonly string[]): FaultPlan {
  const plan = new Map<string, FaultRule>();
  for (const raw of text.split(';')) {
    const entry = raw.trim();
    if (!entry) continue;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new FaultSyntaxError(`"${entry}": expected <package.Service/Method>:<knob>, e.g. auth.v1.AuthService/ValidateToken:delay=150ms`);
    const method = entry.slice(0, colon).trim().replace(/^\//, '');
    if (!knownMethods.includes(method)) {
      throw new FaultSyntaxError(`"${method}" is not a method of this project (one of ${knownMethods.join(', ')})`);
    }
    if (plan.has(method)) throw new FaultSyntaxError(`"${method}" is given twice; put its knobs in one entry, comma-separated`);
    const rule: FaultRule = { method };
    for (const knobText of entry.slice(colon + 1).split(',')) {
      const knob = knobText.trim();
      const where = `${method}:${knob}`;
      const eq = knob.indexOf('=');
      const name = eq < 0 ? knob : knob.slice(0, eq);
      const value = eq < 0 ? '' : knob.slice(eq + 1).trim();
      if ((name === 'delay' || name === 'error') && rule[name]) throw new FaultSyntaxError(`${where}: ${name} is given twice`);
      if (name === 'delay' && value) rule.delay = delayKnob(value, where);
      else if (name === 'error' && value) rule.error = errorKnob(value, where);
      else throw new FaultSyntaxError(`${where}: expected delay=<duration>[-<duration>][@p] or error=<STATUS>[@p]`);
    }
    plan.set(method, rule);
  }
  return plan;
}
