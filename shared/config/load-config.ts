import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Where a config value came from, for error messages ({@link formatIssues}). */
export type ConfigSource = 'env' | 'file' | 'default';

/** Raised when configuration is invalid; the message names every bad key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Flattens a YAML document into environment-style keys: `tracing: {sampling_rate: 1}` becomes
 * `TRACING_SAMPLING_RATE`. One naming scheme means one schema validates both sources.
 */
export function flattenYaml(value: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || value === undefined) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    out[prefix] = Array.isArray(value) ? value.join(',') : String(value);
    return out;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const name = (prefix ? `${prefix}_` : '') + key.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
    Object.assign(out, flattenYaml(child, name));
  }
  return out;
}

/** Reads a config.yaml into flat keys; a missing file is an empty config. */
export function readConfigFile(file: string | undefined): Record<string, string> {
  if (!file || !fs.existsSync(file)) return {};
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return flattenYaml(doc);
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment to read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** config.yaml to read; `CONFIG_FILE` in the environment overrides it. */
  file?: string;
}

/** The raw values a schema is validated against: environment over config.yaml. */
export function rawConfig(options: LoadConfigOptions = {}): Record<string, string | undefined> {
  const env = options.env ?? process.env;
  const file = env.CONFIG_FILE ?? options.file;
  const fromFile = readConfigFile(file ? path.resolve(file) : undefined);
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') merged[key] = value;
  }
  return merged;
}

/**
 * Formats zod issues as `KEY: message` lines. Without `sourceOf` each names the config.yaml
 * spelling too (the value may have come from either); with it, the one place the value came from.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], sourceOf?: (key: string) => ConfigSource): string {
  return issues
    .map((issue) => {
      const key = issue.path.map(String).join('.') || '(root)';
      const yamlKey = key.toLowerCase().replace(/^([a-z0-9]+)_/, '$1.');
      const source = sourceOf?.(key);
      if (source === 'env') return `  ${key}: ${issue.message}`;
      if (source === 'file') return `  ${yamlKey} in config.yaml: ${issue.message}`;
      return `  ${key} (or ${yamlKey} in config.yaml): ${issue.message}`;
    })
    .join('\n');
}

/** Validates `values` against `schema`; a ConfigError names every bad key ({@link formatIssues}). */
export function parseConfig<S extends z.ZodType>(schema: S, values: Record<string, string | undefined>, sourceOf?: (key: string) => ConfigSource): z.output<S> {
  const result = schema.safeParse(values);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n${formatIssues(result.error.issues, sourceOf)}`);
  }
  return result.data;
}

/**
 * Validates environment variables (over an optional config.yaml) against a zod object schema of
 * environment-style keys. Throws a ConfigError naming every bad key.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, options: LoadConfigOptions = {}): z.output<S> {
  return parseConfig(schema, rawConfig(options));
}

/**
 * Loads config for a process entry point; on a ConfigError it prints the message and exits 1,
 * so a bad key stops the process at start instead of failing later.
 */
export function loadConfigOrExit<S extends z.ZodObject>(schema: S, options: LoadConfigOptions = {}): z.output<S> {
  try {
    return loadConfig(schema, options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
