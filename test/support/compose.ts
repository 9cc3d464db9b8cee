import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLMap, YAMLSeq, type CollectionTag, type ParseOptions, type SchemaOptions, type ToJSOptions } from 'yaml';
import { projectRoot } from '../../shared/paths';

// Docker Compose files as `docker compose -f a -f b config` would merge them, for the offline
// checks (no Docker engine runs here): mappings merge key by key, sequences append, `command`
// and anything tagged `!override` replace (the compose specification's merge rules, as far as this
// project's files use them).

/** One service of a merged compose model (the attributes the checks read). */
export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[];
}

/** A merged compose model. */
export interface ComposeModel {
  services: Record<string, ComposeService>;
  /** The named volumes the file declares (readComposeFile only). */
  volumes?: Record<string, unknown>;
}

/** A sequence or mapping tagged `!override`: it replaces the base file's instead of merging with it. */
class Replacement {
  constructor(readonly value: unknown) {}
}

// The tagged node reads back as a Replacement (typed as the plain value YAML's API expects).
class OverrideSeq extends YAMLSeq {
  override toJSON(key?: unknown, ctx?: Parameters<YAMLSeq['toJSON']>[1]): unknown[] {
    return new Replacement(super.toJSON(key, ctx)) as unknown as unknown[];
  }
}
class OverrideMap extends YAMLMap {
  override toJSON(key?: unknown, ctx?: Parameters<YAMLMap['toJSON']>[1]): unknown {
    return new Replacement(super.toJSON(key, ctx));
  }
}

const overrideTags: CollectionTag[] = [
  { tag: '!override', collection: 'seq', nodeClass: OverrideSeq, resolve: (node) => node },
  { tag: '!override', collection: 'map', nodeClass: OverrideMap, resolve: (node) => node },
];

/** How the compose files are parsed: YAML merge keys, and compose's `!override` tag. */
export const COMPOSE_YAML_OPTIONS: ParseOptions & SchemaOptions & ToJSOptions = { merge: true, customTags: overrideTags };

/** Attributes whose value the later file replaces (the specification's exceptions). */
const REPLACED = new Set(['command', 'entrypoint']);

function merge(base: unknown, over: unknown, key: string): unknown {
  if (over instanceof Replacement) return plain(over.value);
  if (base === undefined || REPLACED.has(key)) return plain(over);
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  if (isMapping(base) && isMapping(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v, k);
    return out;
  }
  return plain(over);
}

/** A value with every `!override` marker unwrapped (nothing to replace in a file's first layer). */
function plain(value: unknown): unknown {
  if (value instanceof Replacement) return plain(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (isMapping(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Replacement);

/** One compose file as written, parsed. */
export function readComposeFile(file: string): ComposeModel {
  return plain(parseYaml(fs.readFileSync(path.join(projectRoot, file), 'utf8'), COMPOSE_YAML_OPTIONS)) as ComposeModel;
}

/** The model of `files` layered in order (paths relative to the project root). */
export function composeModel(files: string[]): ComposeModel {
  let model: unknown = {};
  for (const file of files) {
    const doc = parseYaml(fs.readFileSync(path.join(projectRoot, file), 'utf8'), COMPOSE_YAML_OPTIONS) as Record<string, unknown>;
    model = merge(model, { services: doc.services }, '');
  }
  return model as ComposeModel;
}

/** `${VAR:-default}` as compose resolves it when VAR is unset. */
export const resolveComposeValue = (value: unknown): string => String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

/** The environment of a service, with compose's `${VAR:-default}` resolved. */
export function environmentOf(model: ComposeModel, service: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(model.services[service]?.environment ?? {})) {
    if (key !== '<<') env[key] = resolveComposeValue(value);
  }
  return env;
}

/** A short-syntax port mapping (`"8890:8889"`, `"4317:4317"`): host and container port. */
export function portMapping(spec: string): { published: number; target: number } {
  const match = /^(?:[\d.]+:)?(\d+):(\d+)(?:\/tcp)?$/.exec(spec);
  if (!match) throw new Error(`port mapping ${spec}: not HOST:CONTAINER`);
  return { published: Number(match[1]), target: Number(match[2]) };
}

/**
 * The project file a service's `--config` names, through the bind mount that puts it there, with
 * its text; undefined without one.
 */
export function mountedConfigOf(service: ComposeService): { file: string; text: string } | undefined {
  const at = service.command?.indexOf('--config') ?? -1;
  const target = at >= 0 ? service.command![at + 1] : undefined;
  const mount = service.volumes?.map((v) => v.split(':')).find(([source, to]) => to === target && source!.startsWith('.'));
  if (!mount) return undefined;
  const file = path.join(projectRoot, mount[0]!);
  return { file, text: fs.readFileSync(file, 'utf8') };
}
