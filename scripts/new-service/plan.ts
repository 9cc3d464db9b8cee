import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ProcessSpec } from '../stack/process-spec';

// What `npm run new:service -- <name>` writes: the files under templates/ (paths and contents
// with the placeholders below filled in), and a few lines added to the lists of processes, the
// gateway's services, procedures and routes, and the deployment files. Everything is planned and
// checked in memory first, so a refused name or a list that moved changes nothing.

/** The spellings of a new service's name the templates use. */
export interface ServiceNames {
  /** `orders`: folder, proto package, process, tRPC router and REST path. */
  name: string;
  /** `Orders`: `OrdersService`. */
  Name: string;
  /** `ORDERS`: env prefix (`ORDERS_SERVICE_URL`, `ORDERS_DB_PATH`). */
  NAME: string;
  /** `order`: one record (`order.id`). */
  entity: string;
  /** `Order`: the record's message (`CreateOrder`, `GetOrderRequest`). */
  Entity: string;
  /** The gRPC port it listens on by default. */
  port: number;
}

/** A file to create or replace, relative to the project root. */
export interface PlannedFile {
  path: string;
  content: string;
}

/** Everything the generator will write. */
export interface Plan {
  names: ServiceNames;
  /** Its entry in scripts/stack/process-spec.ts. */
  process: ProcessSpec;
  /** New files; none of them exists yet. */
  create: PlannedFile[];
  /** Existing files with the new service added to their lists. */
  edit: PlannedFile[];
}

/** A name the generator refuses, with why. */
export class RefusedName extends Error {}

const NAME_RULE = /^[a-z][a-z0-9]{1,29}$/;

// Names that would collide with the project's own folders, generated code or a language keyword
// (the name becomes a TypeScript identifier, a proto package and a folder).
const RESERVED = new Set([
  ...['gateway', 'shared', 'common', 'google', 'grpc', 'health', 'reflection', 'gen', 'proto', 'docs', 'deploy', 'scripts', 'test', 'bench', 'dist', 'data', 'node', 'trpc', 'api', 'openapi', 'ready'],
  ...['await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield'],
  ...['syntax', 'message', 'service', 'rpc', 'returns', 'option', 'optional', 'repeated', 'map', 'oneof', 'reserved', 'stream', 'extend', 'to', 'max'],
]);

/** The directory holding the templates (source, not dist: they are plain files). */
function templatesDir(root: string): string {
  return path.join(root, 'scripts/new-service/templates');
}

const capitalize = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** One of what `name` holds: `orders` -> `order`, `categories` -> `category`, `boxes` -> `box`; else the name (`inventory`, `status`). */
export function singular(name: string): string {
  if (/[^aeiou]ies$/.test(name)) return `${name.slice(0, -3)}y`;
  if (/(ss|x|ch|sh)es$/.test(name)) return name.slice(0, -2);
  if (/[^su]s$/.test(name) && !/(is|us|ss)$/.test(name) && name.length > 3) return name.slice(0, -1);
  return name;
}

/** The spellings of `name` ({@link singular} for one record); the port is the next after every service's default port. */
export function namesFor(name: string, usedPorts: readonly number[]): ServiceNames {
  const entity = singular(name);
  let port = Math.max(...usedPorts.filter((p) => p >= 50000 && p < 60000), 50050) + 1;
  while (usedPorts.includes(port)) port++;
  return { name, Name: capitalize(name), NAME: name.toUpperCase(), entity, Entity: capitalize(entity), port };
}

/** `text` with every placeholder (`__name__`, `__Entity__`, `__port__`, ...) filled in. */
export function fill(text: string, names: ServiceNames): string {
  return text
    .replaceAll('__name__', names.name)
    .replaceAll('__Name__', names.Name)
    .replaceAll('__NAME__', names.NAME)
    .replaceAll('__entity__', names.entity)
    .replaceAll('__Entity__', names.Entity)
    .replaceAll('__port__', String(names.port));
}

const read = (root: string, file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** The process names and default ports scripts/stack/process-spec.ts lists, read from the file (root may be a copy). */
function processSpecs(root: string): { names: string[]; ports: number[] } {
  const text = read(root, 'scripts/stack/process-spec.ts');
  return {
    names: [...text.matchAll(/\{ name: '(\w+)'/g)].map((m) => m[1]!),
    ports: [...text.matchAll(/defaultPort: (\d+)/g)].map((m) => Number(m[1])),
  };
}

/** Why `name` cannot be a new service in the project at `root`, or undefined when it can. */
function refusal(root: string, name: string): string | undefined {
  if (!NAME_RULE.test(name)) {
    return `"${name}" is not a valid service name: use 2 to 30 lower-case letters and digits, starting with a letter (it becomes a folder, a proto package, an env prefix and a URL path)`;
  }
  if (RESERVED.has(name)) return `"${name}" is reserved (a project folder, a generated package or a TypeScript or protobuf keyword)`;
  if (processSpecs(root).names.includes(name)) return `"${name}" exists: it is a process in scripts/stack/process-spec.ts`;
  const taken: Array<[string, string]> = [
    [`services/${name}`, 'a service folder'],
    [`proto/${name}`, 'a proto package'],
    [`gateway/trpc/routers/${name}.ts`, 'a tRPC router'],
  ];
  for (const [file, what] of taken) if (fs.existsSync(path.join(root, file))) return `"${name}" exists: ${file} is ${what}`;
  if (new RegExp(`\\b${name}: \\w+Router\\b`).test(read(root, 'gateway/trpc/app-router.ts'))) return `"${name}" exists: a tRPC router of that name is in gateway/trpc/app-router.ts`;
  if (read(root, 'gateway/rest/routes.ts').includes(`'/api/v1/${name}`)) return `"${name}" exists: /api/v1/${name} is a REST path in gateway/rest/routes.ts`;
  if (read(root, 'gateway/config.ts').includes(`${name.toUpperCase()}_SERVICE_URL`)) return `"${name}" exists: gateway/config.ts has ${name.toUpperCase()}_SERVICE_URL`;
  return undefined;
}

/** Every template file, relative to the templates directory. */
function templateFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return templateFiles(full, base);
    return e.name.endsWith('.tmpl') ? [path.relative(base, full)] : [];
  });
}

/** Inserts `insertion` after the last line matching `anchor` (or before it), or throws naming the file. */
function insertAt(file: string, text: string, anchor: RegExp, insertion: string, where: 'after' | 'before' = 'after'): string {
  const lines = text.split('\n');
  let index = -1;
  lines.forEach((line, i) => {
    if (anchor.test(line)) index = i;
  });
  if (index < 0) throw new Error(`${file}: no line matches ${String(anchor)}; add the new service there by hand (docs/extending.md)`);
  lines.splice(where === 'after' ? index + 1 : index, 0, ...insertion.replace(/\n$/, '').split('\n'));
  return lines.join('\n');
}

/** Replaces the one match of `pattern`, or throws naming the file. */
function replaceOnce(file: string, text: string, pattern: RegExp, replace: (match: string, ...groups: string[]) => string): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`));
  if (matches?.length !== 1) throw new Error(`${file}: expected one match of ${String(pattern)}, found ${matches?.length ?? 0}; add the new service there by hand (docs/extending.md)`);
  return text.replace(pattern, replace as (m: string) => string);
}

/** Inserts `insertion` before the line that closes the block opened by the line matching `opening`. */
function insertBeforeClose(file: string, text: string, opening: RegExp, close: string, insertion: string): string {
  const start = text.search(opening);
  if (start < 0) throw new Error(`${file}: ${String(opening)} not found; add the new service there by hand (docs/extending.md)`);
  const end = text.indexOf(`\n${close}`, start);
  if (end < 0) throw new Error(`${file}: the block opened by ${String(opening)} does not close with "${close}"`);
  return `${text.slice(0, end + 1)}${insertion.replace(/\n$/, '')}\n${text.slice(end + 1)}`;
}

/** The new service's entry in the process list: its own folder, env prefix and port, calling auth. */
export function processSpecOf(n: ServiceNames): ProcessSpec {
  return { name: n.name, folder: `services/${n.name}`, hostEnv: `${n.NAME}_SERVICE_HOST`, portEnv: `${n.NAME}_SERVICE_PORT`, defaultPort: n.port, servicePrefix: n.NAME, calls: ['auth'] };
}

/** Every list the new service joins, each edit a function of the file's text. */
function listEdits(n: ServiceNames, snippet: (file: string) => string): Record<string, (text: string, file: string) => string> {
  const { name, Name, NAME, port } = n;
  const spec = processSpecOf(n);
  const calls = spec.calls.map((c) => `'${c}'`).join(', ');
  return {
    'scripts/stack/process-spec.ts': (text, file) =>
      insertAt(file, text, /^ {2}\{ name: '\w+', folder: 'services\//, `  { name: '${spec.name}', folder: '${spec.folder}', hostEnv: '${spec.hostEnv}', portEnv: '${spec.portEnv}', defaultPort: ${spec.defaultPort}, servicePrefix: '${spec.servicePrefix}', calls: [${calls}] },`),
    'gateway/config.ts': (text, file) =>
      insertAt(file, text, /^ {2}[A-Z_]+_SERVICE_URL: grpcTarget\(/, `  /** The ${name} service's instances, as a gRPC target. */\n  ${NAME}_SERVICE_URL: grpcTarget('127.0.0.1:${port}'),`),
    'gateway/config.yaml': (text, file) =>
      insertAt(file, text, /^ {2}url: \S+ +# [A-Z_]+_SERVICE_URL/, `${name}_service:\n  url: 127.0.0.1:${port}       # ${NAME}_SERVICE_URL: the gRPC ${name} service's instances`),
    'gateway/grpc-clients.ts': (text, file) => {
      const imported = insertAt(file, text, /^import \{ \w+ServiceClient \} from '\.\.\/gen\//, `import { ${Name}ServiceClient } from '../gen/${name}/v1/${name}';`);
      return insertAt(file, imported, /^ {2}\w+: \{ Client: \w+ServiceClient, target: '[A-Z_]+' \},$/, `  ${name}: { Client: ${Name}ServiceClient, target: '${NAME}_SERVICE_URL' },`);
    },
    'gateway/trpc/app-router.ts': (text, file) => {
      const imported = insertAt(file, text, /^import \{ \w+Router, \w+Schemas \} from '\.\/routers\//, `import { ${name}Router, ${name}Schemas } from './routers/${name}';`);
      const routed = replaceOnce(file, imported, /export const appRouter = router\(\{ ([^}]*) \}\);/, (_m, keys: string) => `export const appRouter = router({ ${keys}, ${name}: ${name}Router });`);
      return insertBeforeClose(file, routed, /export const procedureSchemas: Record<ProcedurePath, ProcedureSchemas> = \{/, '};', `  ...${name}Schemas,`);
    },
    'gateway/rest/routes.ts': (text, file) => insertBeforeClose(file, text, /export const restRoutes: readonly RestRoute\[\] = \[/, '];', snippet('rest-routes.ts.tmpl')),
    Dockerfile: (text) => `${text.replace(/\n*$/, '\n')}${snippet('Dockerfile.tmpl')}`,
    'docker-compose.yml': (text, file) => {
      const service = insertAt(file, text, /^ {2}gateway:$/, snippet('docker-compose.service.yml.tmpl'), 'before');
      const env = insertAt(file, service, /^ {6}[A-Z_]+_SERVICE_URL: dns:\/\/\//, `      ${NAME}_SERVICE_URL: dns:///${name}-service:${port}`);
      const depends = replaceOnce(file, env, /(\n {4}depends_on: \[)([^\]]*)(\]\n(?![\s\S]*\n {4}depends_on:))/, (_m, a: string, list: string, z: string) => `${a}${list}, ${name}-service${z}`);
      return `${depends.replace(/\n*$/, '\n')}  ${name}-data:\n`;
    },
    // The collector tier's overlay points every traced service at the load balancer.
    'docker-compose.collector.yml': (text, file) =>
      insertAt(file, text, /^ {2}gateway:$/, `  ${name}-service:\n    environment: *collector-tracing\n    depends_on: [otelcol-lb]`, 'before'),
    'deploy/k8s/gateway.yaml': (text, file) => {
      const lines = text.split('\n');
      const last = lines.map((l) => /^ +- name: [A-Z_]+_SERVICE_URL$/.test(l)).lastIndexOf(true);
      if (last < 0) throw new Error(`${file}: no *_SERVICE_URL env entry; add the new service there by hand (docs/extending.md)`);
      const indent = lines[last]!.match(/^ */)![0];
      lines.splice(last + 2, 0, `${indent}- name: ${NAME}_SERVICE_URL`, `${indent}  value: dns:///${name}:${port}`);
      return lines.join('\n');
    },
    'deploy/k8s/examples/secrets.example.yaml': (text) => `${text.replace(/\n*$/, '\n')}${snippet('secrets.example.yaml.tmpl')}`,
  };
}

/** YAML files the edits touch must still parse, as every document they hold. */
function checkYaml(file: PlannedFile): void {
  if (!/\.ya?ml$/.test(file.path)) return;
  for (const doc of parseAllDocuments(file.content)) {
    if ('errors' in doc && doc.errors.length > 0) throw new Error(`${file.path}: the edit broke the YAML: ${doc.errors[0]!.message}`);
  }
}

/** Plans the service `name` in the project at `root`; throws {@link RefusedName} for a name it refuses. */
export function planService(root: string, name: string): Plan {
  const why = refusal(root, name);
  if (why) throw new RefusedName(why);
  const names = namesFor(name, processSpecs(root).ports);
  const templates = templatesDir(root);
  const create = templateFiles(templates).map((rel) => ({
    path: fill(rel, names).replace(/\.tmpl$/, ''),
    content: fill(fs.readFileSync(path.join(templates, rel), 'utf8'), names),
  }));
  for (const file of create) {
    if (fs.existsSync(path.join(root, file.path))) throw new RefusedName(`"${name}" exists: ${file.path} is already there`);
  }
  const snippet = (file: string) => fill(fs.readFileSync(path.join(root, 'scripts/new-service/snippets', file), 'utf8'), names);
  const edit = Object.entries(listEdits(names, snippet)).map(([file, change]) => ({ path: file, content: change(read(root, file), file) }));
  for (const file of [...create, ...edit]) checkYaml(file);
  return { names, process: processSpecOf(names), create, edit };
}

/** Writes a plan's files. */
export function writePlan(root: string, plan: Plan): void {
  for (const file of [...plan.create, ...plan.edit]) {
    fs.mkdirSync(path.dirname(path.join(root, file.path)), { recursive: true });
    fs.writeFileSync(path.join(root, file.path), file.content);
  }
}
