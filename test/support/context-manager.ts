import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/**
 * Installs an AsyncLocalStorage context manager for the calling suite, so that "the active span"
 * means something there (a process without the tracing preload has none), and removes it after.
 * Leaves alone one that something else installed.
 */
export function useContextManager(): void {
  let installed = false;
  before(() => {
    installed = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  after(() => {
    if (installed) context.disable();
  });
}
