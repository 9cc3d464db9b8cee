import { AuthServiceService } from '../../gen/auth/v1/auth';
import { databaseSettings } from '../../shared/config/database';
import { openDatabase } from '../../shared/db/open-database';
import { startGrpcServer } from '../../shared/grpc/server';
import { readServiceTls } from '../../shared/grpc/tls';
import type { Logger } from '../../shared/logging/logger';
import type { RunningServer } from '../../shared/process/run-process';
import { AccessTokens } from './access-token';
import { AUTH_SERVICE_NAME, createAuthService } from './auth-handlers';
import { HashingSlots } from './hashing-slots';
import { LoginThrottle } from './login-throttle';
import type { AuthConfig } from './config';
import { authMigrations } from './db/migrations';
import type { AuthDatabase } from './db/schema';
import { RefreshTokens } from './refresh-token';

/** A running auth service: shutdown drains the server, then closes the database. */
export type RunningAuthService = RunningServer;

/** Opens (and migrates) the database and serves auth.v1.AuthService. */
export async function startAuthService(config: AuthConfig, logger: Logger): Promise<RunningAuthService> {
  const database = await openDatabase<AuthDatabase>({
    settings: databaseSettings(config, 'AUTH'),
    migrations: authMigrations,
    logger,
    name: AUTH_SERVICE_NAME,
  });
  const { db } = database;
  const implementation = createAuthService(
    {
      db,
      accessTokens: new AccessTokens({
        secret: config.JWT_SECRET,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      }),
      refreshTokens: new RefreshTokens(db, config.REFRESH_TOKEN_TTL_SECONDS, logger),
      hashing: new HashingSlots(config.HASH_CONCURRENCY, config.HASH_QUEUE_LIMIT),
      loginThrottle: new LoginThrottle(db, {
        maxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        maxFailuresPerClient: config.LOGIN_MAX_FAILURES_PER_CLIENT,
        windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
        maxLockoutSeconds: config.LOGIN_MAX_LOCKOUT_SECONDS,
      }),
    },
    logger,
    config.FAULTS,
  );

  return startGrpcServer({
    host: config.AUTH_SERVICE_HOST,
    port: config.AUTH_SERVICE_PORT,
    tls: readServiceTls(config),
    healthPort: config.GRPC_HEALTH_PORT,
    services: [{ name: 'auth.v1.AuthService', definition: AuthServiceService, implementation }],
    logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    release: () => database.close(),
    readinessCheck: database.ping,
  });
}
