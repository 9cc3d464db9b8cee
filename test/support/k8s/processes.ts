import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { PROCESS_SPECS, urlEnvOf, type ProcessName } from '../../../scripts/stack/process-spec';
import { loadConfig, readConfigFile } from '../../../shared/config/load-config';
import { projectRoot } from '../../../shared/paths';
import { resolveTracingConfig, type TracingConfig } from '../../../shared/telemetry/tracing-config';
import type { Container } from './manifests';

/** One of the project's processes, as its image runs it: its config schema and file and its keys. */
export interface ProcessSpec {
  /** The Dockerfile target its image is built from (`gateway`, `user-service`, ...). */
  target: string;
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
  calls: Record<string, string>;
}

/** A process's Dockerfile target, image and `service.name`: `gateway`, or `<name>-service`. */
const targetOf = (name: ProcessName) => (name === 'gateway' ? name : `${name}-service`);

// Secrets beyond each service's database URL.
const MORE_SECRETS: Partial<Record<ProcessName, string[]>> = { auth: ['JWT_SECRET'] };

/**
 * A process's config schema and file, from its folder's config.ts, which exports them as
 * `<something>ConfigSchema` and `<something>ConfigFile` (gatewayConfigSchema, userConfigFile, ...).
 */
function configOf(folder: string): { schema: z.ZodObject; file: string } {
  const mod = require(path.join(projectRoot, 'dist', folder, 'config.js')) as Record<string, unknown>;
  const pick = (suffix: string) => Object.entries(mod).find(([key]) => key.endsWith(suffix))?.[1];
  const schema = pick('ConfigSchema') as z.ZodObject | undefined;
  const file = pick('ConfigFile');
  if (!schema?.shape || typeof file !== 'string') throw new Error(`${folder}/config.ts must export <name>ConfigSchema (an object schema) and <name>ConfigFile`);
  return { schema, file };
}

/** The project's processes (scripts/stack/process-spec.ts), by Dockerfile target. */
export const PROCESSES: Record<string, ProcessSpec> = Object.fromEntries(
  PROCESS_SPECS.map((spec) => {
    const target = targetOf(spec.name);
    const process: ProcessSpec = {
      target,
      ...configOf(spec.folder),
      serviceName: target,
      hostKey: spec.hostEnv,
      portKey: spec.portEnv,
      secretKeys: [...(spec.servicePrefix ? [`${spec.servicePrefix}_DB_URL`] : []), ...(MORE_SECRETS[spec.name] ?? [])],
      calls: Object.fromEntries(spec.calls.map((callee) => [urlEnvOf(callee), targetOf(callee)])),
    };
    return [target, process];
  }),
);

// The project's images are named after their Dockerfile target: traced-<target>:<tag>.
const PROJECT_IMAGE = /^(?:.+\/)?traced-([a-z-]+):[\w.-]+$/;

/** The Dockerfile target a project image is built from (`traced-<target>:<tag>`), else undefined. */
export function imageTarget(image: string): string | undefined {
  return PROJECT_IMAGE.exec(image)?.[1];
}

/** The process a container runs, when it is one of the project's. */
export function processOf(container: Container): ProcessSpec | undefined {
  const target = imageTarget(container.image);
  return target === undefined ? undefined : PROCESSES[target];
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
