import { AuthServiceService } from '../../gen/auth/v1/auth';
import { openSqlite } from '../../shared/db/sqlite';
import { startGrpcServer, type RunningGrpcServer } from '../../shared/grpc/server';
import type { Logger } from '../../shared/logging/logger';
import { AccessTokens } from './access-token';
import { createAuthService } from './auth-handlers';
import { HashingSlots } from './hashing-slots';
import { resolveDbPath, type AuthConfig } from './config';
import { authMigrations } from './db/migrations';
import type { AuthDatabase } from './db/schema';
import { RefreshTokens } from './refresh-token';

/** A running auth service. */
export interface RunningAuthService {
  /** The port actually bound (useful with AUTH_SERVICE_PORT=0). */
  port: number;
  /** Drains the server, then closes the database. */
  shutdown(): Promise<void>;
}

/** Opens (and migrates) the database and serves auth.v1.AuthService. */
export async function startAuthService(config: AuthConfig, logger: Logger): Promise<RunningAuthService> {
  const db = await openSqlite<AuthDatabase>({ file: resolveDbPath(config.AUTH_DB_PATH), migrations: authMigrations });
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
    },
    logger,
  );

  let server: RunningGrpcServer;
  try {
    server = await startGrpcServer({
      host: config.AUTH_SERVICE_HOST,
      port: config.AUTH_SERVICE_PORT,
      services: [{ name: 'auth.v1.AuthService', definition: AuthServiceService, implementation }],
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    });
  } catch (err) {
    await db.destroy();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    port: server.port,
    // In-flight calls still use the database, so it closes after the drain.
    shutdown: () =>
      (stopped ??= (async () => {
        await server.shutdown();
        await db.destroy();
      })()),
  };
}
