import { UserServiceService } from '../../gen/user/v1/user';
import { databaseSettings } from '../../shared/config/database';
import { openDatabase } from '../../shared/db/open-database';
import { startGrpcServer } from '../../shared/grpc/server';
import { readServiceTls } from '../../shared/grpc/tls';
import type { Logger } from '../../shared/logging/logger';
import type { RunningServer } from '../../shared/process/run-process';
import { AuthClient } from './auth-client';
import type { UserConfig } from './config';
import { userMigrations } from './db/migrations';
import type { UserDatabase } from './db/schema';
import { RegistrationThrottle } from './registration-throttle';
import { Registrations } from './registrations';
import { createUserService, USER_SERVICE_NAME } from './user-handlers';
import { UserRepository } from './user-repository';

/** A running user service: shutdown drains the server, then closes the auth channel and the database. */
export type RunningUserService = RunningServer;

/** Opens the database, connects to the auth service and serves user.v1.UserService. */
export async function startUserService(config: UserConfig, logger: Logger): Promise<RunningUserService> {
  const database = await openDatabase<UserDatabase>({
    settings: databaseSettings(config, 'USER'),
    migrations: userMigrations,
    logger,
    name: USER_SERVICE_NAME,
  });
  const tls = readServiceTls(config);
  const auth = new AuthClient(config.AUTH_SERVICE_URL, config.GRPC_DEADLINE_MS, tls);
  const users = new UserRepository(database.db);
  const registrations = new Registrations(users, auth, logger, config.REGISTRATION_STALE_AFTER_MS);
  const implementation = createUserService({
    users,
    auth,
    registrations,
    registrationThrottle: new RegistrationThrottle(database.db, {
      maxPerClient: config.REGISTRATION_MAX_PER_CLIENT,
      windowSeconds: config.REGISTRATION_WINDOW_SECONDS,
    }),
    adminEmails: new Set(config.ADMIN_EMAILS),
    logger,
    faults: config.FAULTS,
  });

  let stopSweeping = () => {};
  const server = await startGrpcServer({
    host: config.USER_SERVICE_HOST,
    port: config.USER_SERVICE_PORT,
    tls,
    healthPort: config.GRPC_HEALTH_PORT,
    services: [{ name: 'user.v1.UserService', definition: UserServiceService, implementation }],
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    release: async () => {
      stopSweeping();
      auth.close();
      await database.close();
    },
    readinessCheck: database.ping,
  });
  // Once serving: a sweep resolves registrations a crash left unfinished (registrations.ts).
  stopSweeping = registrations.startSweeping();
  return server;
}
