import path from 'node:path';
import { z } from 'zod';
import { commonConfig } from '../../shared/config/common';
import { grpcTarget, list, port } from '../../shared/config/fields';
import { projectRoot } from '../../shared/paths';

/** The user service's config.yaml (environment variables override it). */
export const userConfigFile = path.join(projectRoot, 'services/user', 'config.yaml');

/** Configuration keys of the user service, as environment variable names. */
export const userConfigSchema = z.object({
  ...commonConfig,
  USER_SERVICE_HOST: z.string().trim().min(1, 'must not be empty').default('127.0.0.1'),
  USER_SERVICE_PORT: port(50051),
  /** SQLite file, relative to the project root, or `:memory:`. */
  USER_DB_PATH: z.string().trim().min(1, 'must not be empty').default('.data/user.db'),
  AUTH_SERVICE_URL: grpcTarget('127.0.0.1:50052'),
  /** Emails that get role `admin` when they register; compared lower-cased like stored emails. */
  ADMIN_EMAILS: list([]).transform((emails) => emails.map((e) => e.toLowerCase())),
});

/** Validated user service configuration. */
export type UserConfig = z.output<typeof userConfigSchema>;

/** The database file to open: `:memory:` as is, anything else resolved against the project root. */
export function resolveDbPath(dbPath: string): string {
  return dbPath === ':memory:' ? dbPath : path.resolve(projectRoot, dbPath);
}
