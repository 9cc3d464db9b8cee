// Row types of the auth database. Times are unix seconds (INTEGER), so expiry checks are plain
// integer comparisons in SQL.

/** A user's login credentials; `user_id` is the user service's id. */
export interface CredentialsTable {
  user_id: string;
  /** Lower-cased; unique. */
  email: string;
  /** argon2id PHC string `$argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>`, or a legacy `scrypt$...` one (see password.ts). */
  password_hash: string;
  created_at: number;
  updated_at: number;
}

/**
 * One refresh token. Tokens issued by one login and its rotations form a family that shares
 * `expires_at`; reuse of a used token revokes the whole family.
 */
export interface RefreshTokensTable {
  id: string;
  family_id: string;
  user_id: string;
  /** sha256 hex of the token; the token itself is never stored. */
  token_hash: string;
  /** Absolute expiry of the family. */
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

/** An access token revoked by Logout, kept until it would have expired anyway. */
export interface RevokedAccessTokensTable {
  jti: string;
  expires_at: number;
}

/** Failed logins of one throttling key (`account:<email>` or `client:<address>`, sha256 hex). */
export interface LoginFailuresTable {
  key_hash: string;
  /** Failures since `window_start`. */
  failures: number;
  window_start: number;
  /** Logins with this key are refused until then (unix s; 0 = not blocked). */
  blocked_until: number;
}

/** The auth database as Kysely sees it. */
export interface AuthDatabase {
  credentials: CredentialsTable;
  refresh_tokens: RefreshTokensTable;
  revoked_access_tokens: RevokedAccessTokensTable;
  login_failures: LoginFailuresTable;
}
