import { clusterAt, startPostgres, type PostgresCluster } from '../../scripts/stack/postgres-cluster';

export { execSql, startPostgres, type PostgresCluster as TestPostgres } from '../../scripts/stack/postgres-cluster';

// One cluster for the whole mocha run (stacks get their own databases in it), like the shared Jaeger.
let shared: Promise<PostgresCluster> | undefined;

/**
 * The suite-wide cluster: TEST_POSTGRES_URL when set (e.g. `scripts/postgres.sh run -- npm test`
 * or a server of your own), else one started on first use and stopped at the end of the run.
 */
export function sharedPostgres(): Promise<PostgresCluster> {
  shared ??= process.env.TEST_POSTGRES_URL ? Promise.resolve(clusterAt(process.env.TEST_POSTGRES_URL, undefined)) : startPostgres();
  return shared;
}

/** Mocha root hooks (loaded through .mocharc.json `require`): stop the shared cluster at the end. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    if (shared) await (await shared).stop();
  },
};
