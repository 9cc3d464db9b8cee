import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Attributes } from '@opentelemetry/api';
import type { TraceParent } from '../telemetry/tracing';
import type { FaultRule } from './fault-rules';

/** What was injected into one call: logged on its rpc line and recorded as the `fault.injected` span event. */
export interface InjectedFault {
  delay_ms?: number;
  status?: string;
}

/** The part of a handler context a fault needs: the operation span, the caller's deadline, and where to leave what it did. */
export interface FaultTarget {
  trace: TraceParent;
  deadline: number | undefined;
  fault?: InjectedFault | undefined;
}

/** The error an injected failure throws: a gRPC status the handler mapping passes through as is. */
export class InjectedFaultError extends Error {
  constructor(
    readonly code: GrpcStatus,
    readonly details: string,
  ) {
    super(details);
    this.name = 'InjectedFaultError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one call gets from `rule`: each knob drawn on its own, undefined when neither fires. */
export function drawFault(rule: FaultRule, random: () => number): InjectedFault | undefined {
  const { delay, error } = rule;
  const delayMs = delay && random() < delay.probability ? Math.round(delay.minMs + random() * (delay.maxMs - delay.minMs)) : undefined;
  const status = error && random() < error.probability ? error.statusName : undefined;
  if (delayMs === undefined && status === undefined) return undefined;
  return { ...(delayMs !== undefined && { delay_ms: delayMs }), ...(status !== undefined && { status }) };
}

/**
 * Wraps a handler with one method's fault rule: per call it draws the knobs, records a
 * `fault.injected` event on the operation span, waits the delay, fails with the status, else runs
 * the handler. A delay that would outlast the caller's deadline stops at the deadline with
 * DEADLINE_EXCEEDED, as a deadline-aware service does, instead of working for nobody.
 */
export function withFault<Req, Res, C extends FaultTarget>(
  handler: (request: Req, ctx: C) => Promise<Res>,
  rule: FaultRule,
  random: () => number = Math.random,
): (request: Req, ctx: C) => Promise<Res> {
  return async (request, ctx) => {
    const injected = drawFault(rule, random);
    if (!injected) return handler(request, ctx);
    ctx.fault = injected;
    const attributes: Attributes = {};
    if (injected.delay_ms !== undefined) attributes['fault.delay_ms'] = injected.delay_ms;
    if (injected.status !== undefined) attributes['fault.status'] = injected.status;
    ctx.trace.addEvent('fault.injected', attributes);
    if (injected.delay_ms !== undefined) {
      const left = ctx.deadline === undefined ? Infinity : ctx.deadline - Date.now();
      await sleep(Math.max(0, Math.min(injected.delay_ms, left)));
      if (left < injected.delay_ms) throw new InjectedFaultError(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded during an injected delay (FAULTS)');
    }
    if (injected.status !== undefined) throw new InjectedFaultError(rule.error!.status, `injected fault: ${injected.status} (FAULTS)`);
    return handler(request, ctx);
  };
}
