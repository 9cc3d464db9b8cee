import { z } from 'zod';
import { logLevel, positiveInt } from './fields';

/** Keys every process reads. */
export const commonConfig = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: logLevel(),
  /** Deadline of every gRPC call this process starts without an inherited one. */
  GRPC_DEADLINE_MS: positiveInt(5000),
  /** How long a graceful shutdown may drain in-flight work before it is forced. */
  SHUTDOWN_TIMEOUT_MS: positiveInt(10000),
};
