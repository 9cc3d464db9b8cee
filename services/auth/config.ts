import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { commonConfig } from '../../shared/config/common';
import { databaseKeys } from '../../shared/config/database';
import { optionalPort, port, positiveInt } from '../../shared/config/fields';
import { grpcTlsKeys } from '../../shared/config/grpc-tls';
import { faultsSetting, refuseFaultsInProduction } from '../../shared/faults/faults-setting';
import { projectRoot } from '../../shared/paths';

/**
 * The JWT secret used when none is configured, so `npm start` works on a fresh clone. Its name
 * says what it is; production refuses to start with it (see the refinement below).
 */
export const DEV_JWT_SECRET = 'dev-only-insecure-secret-change-me-0123456789';

/** The auth service's configuration: environment variables over services/auth/config.yaml. */
export const authConfigSchema = z
  .object({
    ...commonConfig,
    AUTH_SERVICE_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
    AUTH_SERVICE_PORT: port(50052),
    /** Plaintext port serving only grpc.health.v1, for probes without a client certificate; off unless set. */
    GRPC_HEALTH_PORT: optionalPort(),
    /** This service's mutual-TLS identity (`auth-service`): the CA, its certificate and key. */
    ...grpcTlsKeys('auth-service'),
    ...databaseKeys('AUTH', '.data/auth.db'),
    /** HS256 key of the access tokens. */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_SECRET),
    JWT_ISSUER: z.string().min(1, 'must not be empty').default('traced-grpc-microservices'),
    JWT_AUDIENCE: z.string().min(1, 'must not be empty').default('traced-grpc-microservices'),
    ACCESS_TOKEN_TTL_SECONDS: positiveInt(900).pipe(
      // TokenPair.expires_in is an int32; a day is already far longer than an access token should live.
      z.number().max(86_400, 'must be at most 86400 (one day)'),
    ),
    /** Absolute lifetime of a refresh-token family: rotating a token does not extend it. */
    REFRESH_TOKEN_TTL_SECONDS: positiveInt(2_592_000),
    /** Password hashes computed at once: each keeps a core busy and holds ARGON2_MEMORY_KIB, so about one per core. */
    HASH_CONCURRENCY: positiveInt(Math.max(1, os.availableParallelism())),
    /** Password checks allowed to wait for a slot; beyond that Login/Register answer RESOURCE_EXHAUSTED (429). */
    HASH_QUEUE_LIMIT: positiveInt(64),
    /** Failed logins per account within the window before further logins to it are delayed (429). */
    LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt(5),
    /** Failed logins per client address within the window before its logins are delayed (429). */
    LOGIN_MAX_FAILURES_PER_CLIENT: positiveInt(50),
    /** How long failed logins are counted. */
    LOGIN_FAILURE_WINDOW_SECONDS: positiveInt(900),
    /** The longest delay after a failure past the limit: nobody is locked out for longer. */
    LOGIN_MAX_LOCKOUT_SECONDS: positiveInt(900),
    /** Injected delays and errors per gRPC method (shared/faults); off unless set, refused in production. */
    FAULTS: faultsSetting(),
  })
  .superRefine((config, ctx) => {
    refuseFaultsInProduction(config, ctx);
    // The dev default is public (it is in the repository), so anyone could mint tokens with it.
    if (config.NODE_ENV === 'production' && config.JWT_SECRET === DEV_JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'is the development default; set a random secret of at least 32 characters when NODE_ENV=production',
      });
    }
  });

/** Validated auth service configuration. */
export type AuthConfig = z.output<typeof authConfigSchema>;

/** The auth service's config.yaml (the preload reads its `tracing:` section too). */
export const authConfigFile = path.join(projectRoot, 'services/auth/config.yaml');
