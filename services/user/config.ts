import path from 'node:path';
import { z } from 'zod';
import { commonConfig } from '../../shared/config/common';
import { databaseKeys } from '../../shared/config/database';
import { list, optionalPort, port, positiveInt } from '../../shared/config/fields';
import { grpcTlsKeys } from '../../shared/config/grpc-tls';
import { grpcTarget } from '../../shared/grpc/target';
import { faultsSetting, refuseFaultsInProduction } from '../../shared/faults/faults-setting';
import { projectRoot } from '../../shared/paths';

/** The user service's config.yaml (environment variables override it). */
export const userConfigFile = path.join(projectRoot, 'services/user', 'config.yaml');

/** Configuration keys of the user service, as environment variable names. */
export const userConfigSchema = z
  .object({
  ...commonConfig,
  USER_SERVICE_HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  USER_SERVICE_PORT: port(50051),
  /** Plaintext port serving only grpc.health.v1, for probes without a client certificate; off unless set. */
  GRPC_HEALTH_PORT: optionalPort(),
  /** This service's mutual-TLS identity (`user-service`): the CA, its certificate and key. */
  ...grpcTlsKeys('user-service'),
  ...databaseKeys('USER', '.data/user.db'),
  AUTH_SERVICE_URL: grpcTarget('127.0.0.1:50052'),
  /** Emails that get role `admin` when they register; compared lower-cased like stored emails. */
  ADMIN_EMAILS: list([]).transform((emails) => emails.map((e) => e.toLowerCase())),
  /**
   * A registration still unfinished after this long died half-way (a crash of this process):
   * the sweep, or the next registration of its email, removes it. Also the sweep's period.
   */
  REGISTRATION_STALE_AFTER_MS: positiveInt(30_000),
  /**
   * Registration attempts per client address within REGISTRATION_WINDOW_SECONDS; more get
   * RESOURCE_EXHAUSTED (429) before anything is written or hashed. Also the most emails one
   * address can probe (409) per window.
   */
  REGISTRATION_MAX_PER_CLIENT: positiveInt(20),
  /** How long registration attempts are counted. */
  REGISTRATION_WINDOW_SECONDS: positiveInt(3600),
  /** Injected delays and errors per gRPC method (shared/faults); off unless set, refused in production. */
  FAULTS: faultsSetting(),
})
  .superRefine((config, ctx) => {
    refuseFaultsInProduction(config, ctx);
    // A registration in progress holds its email for at most its deadline (and the auth side a
    // little longer): resolving it sooner could race one that is still running.
    if (config.REGISTRATION_STALE_AFTER_MS < 2 * config.GRPC_DEADLINE_MS) {
      ctx.addIssue({ code: 'custom', path: ['REGISTRATION_STALE_AFTER_MS'], message: `must be at least twice GRPC_DEADLINE_MS (${2 * config.GRPC_DEADLINE_MS})` });
    }
  });

/** Validated user service configuration. */
export type UserConfig = z.output<typeof userConfigSchema>;
