import { collectorHook } from './collector-hook';
import { goToolsHook } from './go-tools-hook';
import { jaegerHook } from './jaeger-hook';
import type { ProcessName } from './process-spec';

/** What a hook contributes once its `beforeStart` has run. */
export interface StartContribution {
  /** Environment added to every process (e.g. an exporter endpoint). */
  env?: Record<string, string>;
  /** Environment added to one process. */
  envFor?: Partial<Record<ProcessName, Record<string, string>>>;
  /** Lines printed with the gateway address once everything is ready (e.g. a UI's URL). */
  readyLines?: string[];
  /** Runs after the three processes have stopped (e.g. to stop a helper process). */
  afterStop?: () => Promise<void>;
}

/**
 * Something `npm start` runs before the services, such as a local trace collector. A hook that
 * throws aborts the start; one that has nothing to do returns undefined.
 */
export interface StartHook {
  /** Shown in launcher messages. */
  name: string;
  /** Runs before the first process starts. */
  beforeStart(): Promise<StartContribution | undefined>;
}

// Hooks run in order before auth starts; their env reaches the processes, their readyLines are
// printed with the gateway address, and their afterStop runs after auth has stopped.
/** The hooks `npm start` runs: the trace collector is one in-memory Jaeger, or with `--collector` the two tiers. */
export function startHooks(options: { collector: boolean }): StartHook[] {
  return [goToolsHook, options.collector ? collectorHook : jaegerHook];
}
