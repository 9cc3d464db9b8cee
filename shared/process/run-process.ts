import type { Logger } from '../logging/logger';
import { shutdownTelemetry } from '../telemetry/bootstrap';
import { onShutdownSignal } from './shutdown';

/** A started server: the port it bound and how to stop it gracefully. */
export interface RunningServer {
  port: number;
  /** Stop accepting work, drain what is in flight (bounded by SHUTDOWN_TIMEOUT_MS), release resources. */
  shutdown(): Promise<void>;
}

/**
 * How every process runs (HotROD style: one way for all): start it, log `ready` with its port,
 * and on SIGTERM/SIGINT drain it, then flush telemetry last so the spans of drained requests are
 * exported. A failed start is logged and exits 1.
 */
export async function runProcess(logger: Logger, start: () => Promise<RunningServer>, details: Record<string, unknown> = {}): Promise<void> {
  let running: RunningServer;
  try {
    running = await start();
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    await shutdownTelemetry();
    process.exit(1);
  }
  onShutdownSignal(logger, async () => {
    await running.shutdown();
    await shutdownTelemetry();
  });
  logger.info({ port: running.port, ...details }, 'ready');
}
