import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { gatewayConfigFile, gatewayConfigSchema } from '../../../gateway/config';
import { authConfigFile, authConfigSchema } from '../../../services/auth/config';
import { userConfigFile, userConfigSchema } from '../../../services/user/config';
import { loadConfig, readConfigFile } from '../../../shared/config/load-config';
import { projectRoot } from '../../../shared/paths';
import { resolveTracingConfig, type TracingConfig } from '../../../shared/telemetry/tracing-config';
import type { Container } from './manifests';

/** One of the project's processes, as its image runs it: its config schema and file and its keys. */
export interface ProcessSpec {
  /** The Dockerfile target its image is built from. */
  target: 'gateway' | 'user-service' | 'auth-service';
  schema: z.ZodObject;
  /** Its config.yaml, which the image carries (Dockerfile: COPY .../config.yaml). */
  file: string;
  /** `service.name` when the config sets none. */
  serviceName: string;
  hostKey: string;
  portKey: string;
  /** Keys that must come from a Secret. */
  secretKeys: string[];
  /** Keys naming another service, and the process that must be behind it. */
  calls: Record<string, ProcessSpec['target']>;
}

/** The three processes, by Dockerfile target. */
export const PROCESSES: Record<ProcessSpec['target'], ProcessSpec> = {
  gateway: {
    target: 'gateway',
    schema: gatewayConfigSchema,
    file: gatewayConfigFile,
    serviceName: 'gateway',
    hostKey: 'GATEWAY_HOST',
    portKey: 'GATEWAY_PORT',
    secretKeys: [],
    calls: { USER_SERVICE_URL: 'user-service', AUTH_SERVICE_URL: 'auth-service' },
  },
  'user-service': {
    target: 'user-service',
    schema: userConfigSchema,
    file: userConfigFile,
    serviceName: 'user-service',
    hostKey: 'USER_SERVICE_HOST',
    portKey: 'USER_SERVICE_PORT',
    secretKeys: ['USER_DB_URL'],
    calls: { AUTH_SERVICE_URL: 'auth-service' },
  },
  'auth-service': {
    target: 'auth-service',
    schema: authConfigSchema,
    file: authConfigFile,
    serviceName: 'auth-service',
    hostKey: 'AUTH_SERVICE_HOST',
    portKey: 'AUTH_SERVICE_PORT',
    secretKeys: ['AUTH_DB_URL', 'JWT_SECRET'],
    calls: {},
  },
};

// The project's images are named after their Dockerfile target: traced-<target>:<tag>.
const PROJECT_IMAGE = /^(?:.+\/)?traced-([a-z-]+):[\w.-]+$/;

/** The Dockerfile target a project image is built from (`traced-<target>:<tag>`), else undefined. */
export function imageTarget(image: string): string | undefined {
  return PROJECT_IMAGE.exec(image)?.[1];
}

/** The process a container runs, when it is one of the project's. */
export function processOf(container: Container): ProcessSpec | undefined {
  const target = imageTarget(container.image);
  return target && target in PROCESSES ? PROCESSES[target as ProcessSpec['target']] : undefined;
}

/** The `FROM ... AS <target>` stages of the Dockerfile. */
export function dockerfileTargets(): Set<string> {
  const text = fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
  return new Set([...text.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]!));
}

/** The process's validated config for this environment over its config.yaml (throws a ConfigError). */
export function processConfig(spec: ProcessSpec, env: Record<string, string>): Record<string, unknown> {
  return loadConfig(spec.schema, { env, file: spec.file }) as Record<string, unknown>;
}

/** The process's tracing settings for this environment over its config.yaml (throws a ConfigError). */
export function processTracing(spec: ProcessSpec, env: Record<string, string>): TracingConfig {
  return resolveTracingConfig({ env, file: readConfigFile(spec.file), defaultServiceName: spec.serviceName });
}

/** The environment variables the tracing configuration reads (recorded by asking it once). */
export const TRACING_ENV_KEYS: ReadonlySet<string> = (() => {
  const read = new Set<string>();
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get: (_target, key) => {
      if (typeof key === 'string') read.add(key);
      return undefined;
    },
  });
  resolveTracingConfig({ env, file: {}, defaultServiceName: 'probe' });
  return read;
})();
