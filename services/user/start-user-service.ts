import { UserServiceService } from '../../gen/user/v1/user';
import { openSqlite } from '../../shared/db/sqlite';
import { startGrpcServer } from '../../shared/grpc/server';
import type { Logger } from '../../shared/logging/logger';
import type { RunningServer } from '../../shared/process/run-process';
import { AuthClient } from './auth-client';
import { resolveDbPath, type UserConfig } from './config';
import { userMigrations } from './db/migrations';
import type { UserDatabase } from './db/schema';
import { createUserService } from './user-handlers';
import { UserRepository } from './user-repository';

/** A running user service: shutdown drains the server, then closes the auth channel and the database. */
export type RunningUserService = RunningServer;

/** Opens the database, connects to the auth service and serves user.v1.UserService. */
export async function startUserService(config: UserConfig, logger: Logger): Promise<RunningUserService> {
  const db = await openSqlite<UserDatabase>({ file: resolveDbPath(config.USER_DB_PATH), migrations: userMigrations });
  const auth = new AuthClient(config.AUTH_SERVICE_URL, config.GRPC_DEADLINE_MS);
  const implementation = createUserService({
    users: new UserRepository(db),
    auth,
    adminEmails: new Set(config.ADMIN_EMAILS),
    logger,
    faults: config.FAULTS,
  });

  return startGrpcServer({
    host: config.USER_SERVICE_HOST,
    port: config.USER_SERVICE_PORT,
    services: [{ name: 'user.v1.UserService', definition: UserServiceService, implementation }],
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    release: async () => {
      auth.close();
      await db.destroy();
    },
  });
}
