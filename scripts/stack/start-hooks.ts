import { collectorHook } from './collector-hook';
import { goToolsHook } from './go-tools-hook';
import { jaegerHook } from './jaeger-hook';
import type { StartHook } from './start-hook';

// Hooks run in order before auth starts; their env reaches the processes, their readyLines are
// printed with the gateway address, and their afterStop runs after auth has stopped.
/** The hooks `npm start` runs: the trace collector is one in-memory Jaeger, or with `--collector [N]` the collector tier. */
export function startHooks(options: { collector: boolean; samplers?: number }): StartHook[] {
  return [goToolsHook, options.collector ? collectorHook(options.samplers) : jaegerHook];
}
