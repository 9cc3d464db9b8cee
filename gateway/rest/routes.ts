import type { ProcedurePath } from '../trpc/app-router';

/** Where a route's procedure input comes from. */
export interface RouteInput {
  /** Path parameters copied into the input under the same name (they win over body fields). */
  params?: readonly string[];
  /**
   * Query parameters copied into the input under the same name. Each is read as its field in the
   * procedure's input schema is typed (a string or enum, a whole number, a number, true/false:
   * gateway/rest/query-parameters.ts), so a row only names them; absent ones are left to the
   * schema's default.
   */
  query?: readonly string[];
  /** Whether the JSON body (an object) is the rest of the input. */
  body?: boolean;
}

/**
 * The error statuses only some operations answer, each with what it means there. The ones every
 * operation of a kind can answer (400 with an input, 401 when protected, 413/415 with a body,
 * 500/503/504) are added by the OpenAPI builder.
 */
export type RouteErrors = Partial<Record<401 | 403 | 404 | 409 | 429, string>>;

const NOT_YOURS = 'Only the user themselves or an admin may do this.';
const NO_SUCH_USER = 'No user with this id.';

/** One REST operation: an express route onto one tRPC procedure. */
export interface RestRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express path syntax, e.g. `/api/v1/users/:id`. */
  path: string;
  procedure: ProcedurePath;
  input: RouteInput;
  /** HTTP status of a success; 204 sends no body. */
  status: 200 | 201 | 204;
  summary: string;
  /** Needs `Authorization: Bearer <access token>`. */
  protected: boolean;
  /** Error statuses particular to this operation (see {@link RouteErrors}). */
  errors?: RouteErrors;
  /** A body that passes validation, shown in /openapi.json (Schemathesis' examples phase sends it). */
  example?: Record<string, unknown>;
}

// The README's walkthrough user: the examples register her, then log her in.
const ADA = { email: 'ada@example.com', password: 'correct horse battery' };
const SOME_REFRESH_TOKEN = 'an-example-refresh-token-not-a-real-one';

/** The REST API, one row per operation. The routes, their handlers and /openapi.json come from it. */
export const restRoutes: readonly RestRoute[] = [
  {
    method: 'post',
    path: '/api/v1/auth/register',
    procedure: 'auth.register',
    input: { body: true },
    status: 201,
    summary: 'Register a user and sign them in',
    protected: false,
    errors: {
      409: 'The email is already registered.',
      429: 'Too many registration attempts from this client within the window (REGISTRATION_MAX_PER_CLIENT), or password hashing is at capacity; the Retry-After header says when to try again.',
    },
    example: { ...ADA, name: 'Ada Lovelace' },
  },
  {
    method: 'post',
    path: '/api/v1/auth/login',
    procedure: 'auth.login',
    input: { body: true },
    status: 200,
    summary: 'Sign in with email and password',
    protected: false,
    errors: {
      401: 'Wrong email or password (the same answer for an unknown email).',
      429: 'Too many failed logins for this account or from this client (the same answer for an unknown email), or password hashing is at capacity; the Retry-After header says when to try again.',
    },
    example: ADA,
  },
  {
    method: 'post',
    path: '/api/v1/auth/refresh',
    procedure: 'auth.refresh',
    input: { body: true },
    status: 200,
    summary: 'Rotate a refresh token',
    protected: false,
    errors: { 401: 'Unknown, expired or revoked refresh token (a reused one revokes its family).' },
    example: { refreshToken: SOME_REFRESH_TOKEN },
  },
  {
    method: 'post',
    path: '/api/v1/auth/logout',
    procedure: 'auth.logout',
    input: { body: true },
    status: 204,
    summary: 'Revoke the access token and the refresh token family',
    protected: true,
    example: { refreshToken: SOME_REFRESH_TOKEN },
  },
  {
    method: 'get',
    path: '/api/v1/auth/me',
    procedure: 'auth.me',
    input: {},
    status: 200,
    summary: 'The signed-in user',
    protected: true,
    errors: { 404: 'The user behind the token no longer exists.' },
  },
  {
    method: 'get',
    path: '/api/v1/users',
    procedure: 'users.list',
    input: { query: ['limit', 'offset'] },
    status: 200,
    summary: 'List users, oldest first',
    protected: true,
  },
  {
    method: 'get',
    path: '/api/v1/users/:id',
    procedure: 'users.get',
    input: { params: ['id'] },
    status: 200,
    summary: 'Get a user',
    protected: true,
    errors: { 404: NO_SUCH_USER },
  },
  {
    method: 'patch',
    path: '/api/v1/users/:id',
    procedure: 'users.update',
    input: { params: ['id'], body: true },
    status: 200,
    summary: 'Change a user (role: admins only)',
    protected: true,
    errors: { 403: `${NOT_YOURS} Only an admin may change a role.`, 404: NO_SUCH_USER, 409: 'The new email is already registered.' },
    example: { name: 'Ada King' },
  },
  {
    method: 'delete',
    path: '/api/v1/users/:id',
    procedure: 'users.delete',
    input: { params: ['id'] },
    status: 204,
    summary: 'Delete a user with their credentials and tokens',
    protected: true,
    errors: { 403: NOT_YOURS, 404: NO_SUCH_USER },
  },
];
