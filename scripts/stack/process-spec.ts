/** The name of one of the three processes of the stack. */
export type ProcessName = 'auth' | 'user' | 'gateway';

/** How to start one process and which environment keys place it on the network. */
export interface ProcessSpec {
  /** Short name used in output prefixes and APIs. */
  name: ProcessName;
  /** Source folder relative to the repo root; the process runs `dist/<folder>/main.js`. */
  folder: string;
  /** Env key of the address the process binds. */
  hostEnv: string;
  /** Env key of the port the process binds. */
  portEnv: string;
  /** The port the process binds when nothing overrides it. */
  defaultPort: number;
  /** Env key of its SQLite file, for the processes that own one. */
  dbPathEnv?: string;
}

/** The processes in start order: each one only calls processes started before it. */
export const PROCESS_SPECS: readonly ProcessSpec[] = [
  { name: 'auth', folder: 'services/auth', hostEnv: 'AUTH_SERVICE_HOST', portEnv: 'AUTH_SERVICE_PORT', defaultPort: 50052, dbPathEnv: 'AUTH_DB_PATH' },
  { name: 'user', folder: 'services/user', hostEnv: 'USER_SERVICE_HOST', portEnv: 'USER_SERVICE_PORT', defaultPort: 50051, dbPathEnv: 'USER_DB_PATH' },
  { name: 'gateway', folder: 'gateway', hostEnv: 'GATEWAY_HOST', portEnv: 'GATEWAY_PORT', defaultPort: 8080 },
];

/** The spec of one process by name. */
export function specFor(name: ProcessName): ProcessSpec {
  const spec = PROCESS_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`unknown process ${name}`);
  return spec;
}

/** The processes in stop order: callers before the processes they call. */
export function stopOrder(): ProcessSpec[] {
  return [...PROCESS_SPECS].reverse();
}

/**
 * V8 heap flags every service runs with. Node 24 sizes the young generation from the machine's
 * memory, so on a large machine a busy service holds far more RSS than the same code on Node 20;
 * 16 MiB semi-spaces (Node 20's default) bring it back without costing throughput
 * (bench/README.md, "What each lever bought"). A slower-growing old generation lowers the peak further
 * but costs CPU on every request (bench/README.md, "Removed configurations"): a deployment's
 * choice, not the default.
 */
export const NODE_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=16'];

/** The node arguments that start one process: NODE_HEAP_FLAGS, the tracing preload, then main. */
export function nodeArgs(folder: string, options: { preload?: boolean; extra?: readonly string[] } = {}): string[] {
  const dist = (file: string) => `./dist/${folder}/${file}`;
  return [...NODE_HEAP_FLAGS, ...(options.extra ?? []), ...(options.preload === false ? [] : ['--require', dist('telemetry.js')]), dist('main.js')];
}
