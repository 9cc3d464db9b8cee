import { status, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import pino from 'pino';
import {
  UserServiceClient,
  type CreateUserRequest,
  type CreateUserResponse,
  type DeleteUserResponse,
  type GetUserResponse,
  type ListUsersResponse,
  type UpdateUserRequest,
  type UpdateUserResponse,
  type User,
} from '../../gen/user/v1/user';
import { loadConfig } from '../../shared/config/load-config';
import { unary } from '../../shared/grpc/client';
import { bearerMetadata } from '../../shared/grpc/metadata';
import { userConfigSchema, type UserConfig } from '../../services/user/config';
import { startUserService, type RunningUserService } from '../../services/user/start-user-service';
import { FakeAuthService } from './fake-auth-service';
import { dialAs, tlsEnvOf } from './pki';

/** The email ADMIN_EMAILS names in every harness (written mixed-case on purpose). */
export const ADMIN_EMAIL = 'admin@example.com';

/** Options of one call: the caller's token and its deadline. */
export interface CallOptions {
  token?: string;
  /** Deadline from now in ms (default 5000); Infinity for none. */
  timeoutMs?: number;
}

/** A user service on a free port, with an in-memory database, talking to a fake auth service. */
export class Harness {
  private constructor(
    readonly fake: FakeAuthService,
    readonly service: RunningUserService,
    readonly client: UserServiceClient,
    readonly config: UserConfig,
    /** Every log line the service wrote. */
    readonly logs: string[],
  ) {}

  /** Starts a fake auth service and a user service using it; `env` overrides config keys. */
  static async start(env: Record<string, string> = {}): Promise<Harness> {
    const fake = await FakeAuthService.start();
    const config = loadConfig(userConfigSchema, {
      env: {
        USER_SERVICE_PORT: '0',
        USER_DB_PATH: ':memory:',
        AUTH_SERVICE_URL: fake.address,
        ADMIN_EMAILS: ' Admin@Example.com , boss@example.com',
        SHUTDOWN_TIMEOUT_MS: '1000',
        ...(await tlsEnvOf('user-service')),
        ...env,
      },
    });
    const logs: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
    const service = await startUserService(config, logger);
    // Called as the gateway, its one rightful caller.
    const client = new UserServiceClient(`127.0.0.1:${service.port}`, ...(await dialAs('gateway', 'user-service')));
    return new Harness(fake, service, client, config, logs);
  }

  /** Stops everything this harness started. */
  async stop(): Promise<void> {
    this.client.close();
    await this.service.shutdown();
    this.fake.stop();
  }

  private options(opts: CallOptions) {
    const timeoutMs = opts.timeoutMs ?? 5000;
    return { metadata: bearerMetadata(opts.token), deadline: Date.now() + timeoutMs };
  }

  createUser(request: CreateUserRequest, opts: CallOptions = {}): Promise<CreateUserResponse> {
    return unary(this.client, this.client.createUser, request, this.options(opts));
  }

  getUser(id: string, opts: CallOptions = {}): Promise<GetUserResponse> {
    return unary(this.client, this.client.getUser, { id }, this.options(opts));
  }

  updateUser(request: UpdateUserRequest, opts: CallOptions = {}): Promise<UpdateUserResponse> {
    return unary(this.client, this.client.updateUser, request, this.options(opts));
  }

  deleteUser(id: string, opts: CallOptions = {}): Promise<DeleteUserResponse> {
    return unary(this.client, this.client.deleteUser, { id }, this.options(opts));
  }

  listUsers(limit: number, offset: number, opts: CallOptions = {}): Promise<ListUsersResponse> {
    return unary(this.client, this.client.listUsers, { limit, offset }, this.options(opts));
  }

  /** Registers a user through CreateUser and returns it with its access token. */
  async register(email: string, name = 'Test User', password = 'correct horse battery'): Promise<{ user: User; token: string }> {
    const res = await this.createUser({ email, password, name });
    if (!res.user || !res.tokens) throw new Error('CreateUser returned no user or tokens');
    return { user: res.user, token: res.tokens.accessToken };
  }

  /** Every stored user, read through ListUsers as `token` (an admin's or anyone's). */
  async allUsers(token: string): Promise<User[]> {
    const users: User[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await this.listUsers(100, offset, { token });
      users.push(...page.users);
      if (page.users.length < 100) return users;
    }
  }
}

/** Awaits `promise`, expects it to fail with `code` (and `details`, if given), returns the error. */
export async function expectStatus(promise: Promise<unknown>, code: status, details?: string | RegExp): Promise<ServiceError> {
  let error: ServiceError | undefined;
  try {
    await promise;
  } catch (err) {
    error = err as ServiceError;
  }
  expect(error, `expected ${status[code]}, got a response`).to.not.equal(undefined);
  const err = error as ServiceError;
  expect(status[err.code], `details: ${err.details}`).to.equal(status[code]);
  if (typeof details === 'string') expect(err.details).to.equal(details);
  else if (details) expect(err.details).to.match(details);
  return err;
}

/** Polls `check` until it stops throwing or `timeoutMs` passes (then rethrows its last error). */
export async function eventually(check: () => Promise<unknown>, timeoutMs = 1000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
