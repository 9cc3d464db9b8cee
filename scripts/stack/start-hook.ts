import type { ProcessName } from './process-spec';

// The contract between the launcher (scripts/start.ts), which runs the hooks in order, and each
// hook: a module of its own, so no hook imports the launcher that imports it.

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
