import { execFile, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { projectRoot } from '../../shared/paths';

const run = promisify(execFile);
const script = path.join(projectRoot, 'scripts', 'postgres.sh');

/** A throwaway PostgreSQL cluster started by scripts/postgres.sh. */
export interface PostgresCluster {
  /** `postgres://app:<password>@127.0.0.1:<port>/postgres`. */
  url: string;
  /** A new empty database in this cluster; resolves with its URL. */
  createDatabase(prefix: string): Promise<string>;
  /** Drops a database made by createDatabase (closing its connections first). */
  dropDatabase(url: string): Promise<void>;
  /** Stops the server (immediate shutdown) but keeps the cluster: an outage. */
  pause(): Promise<void>;
  /** Starts the server of a paused cluster again on the same port. */
  resume(): Promise<void>;
  /** Stops the server and deletes the cluster. */
  stop(): Promise<void>;
}

/** Runs one SQL statement on `url` with a short-lived client. */
export async function execSql(url: string, statement: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(statement, values)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

// Clusters still running, so a crashed run does not leave a postgres server behind.
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of liveDirs) spawnSync('bash', [script, 'stop', dir], { stdio: 'ignore', timeout: 20_000 });
});

/** Starts a new cluster in a temp dir on a free loopback port (about a second). */
export async function startPostgres(): Promise<PostgresCluster> {
  const { stdout } = await run('bash', [script, 'start'], { timeout: 120_000 });
  const field = (name: string) => {
    const value = new RegExp(`^${name}=(.*)$`, 'm').exec(stdout)?.[1];
    if (!value) throw new Error(`scripts/postgres.sh start printed no ${name}:\n${stdout}`);
    return value;
  };
  const dir = field('PGTEST_DIR');
  liveDirs.add(dir);
  return clusterAt(field('PGTEST_URL'), dir);
}

/** A cluster at `url`; `dir` (from scripts/postgres.sh) when this process may pause and stop it. */
export function clusterAt(url: string, dir: string | undefined): PostgresCluster {
  const withDatabase = (name: string) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const needDir = () => {
    if (!dir) throw new Error('this cluster was given by URL: it cannot be paused or stopped here');
    return dir;
  };
  return {
    url,
    async createDatabase(prefix) {
      const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
      await execSql(url, `CREATE DATABASE "${name}"`);
      return withDatabase(name);
    },
    async dropDatabase(dbUrl) {
      const name = decodeURIComponent(new URL(dbUrl).pathname.slice(1));
      await execSql(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
    pause: async () => void (await run('bash', [script, 'pause', needDir()], { timeout: 60_000 })),
    resume: async () => void (await run('bash', [script, 'resume', needDir()], { timeout: 60_000 })),
    stop: async () => {
      if (!dir) return;
      await run('bash', [script, 'stop', dir], { timeout: 60_000 });
      liveDirs.delete(dir);
    },
  };
}

