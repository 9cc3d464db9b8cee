import { Server, status, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import {
  AuthServiceService,
  type DeleteCredentialsRequest,
  type DeleteCredentialsResponse,
  type RegisterRequest,
  type RegisterResponse,
  type UpdateCredentialsRequest,
  type UpdateCredentialsResponse,
  type ValidateTokenRequest,
  type ValidateTokenResponse,
} from '../../gen/auth/v1/auth';
import { parseBearer } from '../../shared/grpc/metadata';
import { tlsAs } from './pki';

// A scripted stand-in for auth.v1.AuthService, so the user service's tests run against real gRPC
// sockets without depending on the real auth service (covered by its own and the e2e suites).
// By default it behaves like a tiny in-memory auth service: Register stores credentials and
// issues `access-<userId>`, ValidateToken accepts those while the credentials exist.

/** One call the fake received. */
export interface RecordedCall {
  method: FakeMethod;
  request: unknown;
  /** The `authorization` metadata value, if any. */
  authorization: string | undefined;
  /** The call's deadline as the fake saw it (ms since epoch; Infinity if none). */
  deadline: number;
  receivedAt: number;
  /** When the call was cancelled (caller gone or deadline passed), if it was. */
  cancelledAt?: number;
}

/** The AuthService methods the user service calls. */
export type FakeMethod = 'register' | 'validateToken' | 'updateCredentials' | 'deleteCredentials';

/** A scripted behaviour: resolve with a response, reject with `{code, details}`, or never settle. */
export type Behaviour<Req, Res> = (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>;

interface Scripts {
  register?: Behaviour<RegisterRequest, RegisterResponse>;
  validateToken?: Behaviour<ValidateTokenRequest, ValidateTokenResponse>;
  updateCredentials?: Behaviour<UpdateCredentialsRequest, UpdateCredentialsResponse>;
  deleteCredentials?: Behaviour<DeleteCredentialsRequest, DeleteCredentialsResponse>;
}

/** A behaviour that fails with a gRPC status. */
export const fail =
  (code: status, details: string) =>
  async (): Promise<never> => {
    throw Object.assign(new Error(details), { code, details });
  };

/** A behaviour that never answers (the caller's deadline decides). */
export const hang = () => (): Promise<never> => new Promise<never>(() => {});

/** The access token the fake issues for a user. */
export const accessTokenFor = (userId: string) => `access-${userId}`;

/** A fake AuthService listening on 127.0.0.1 at a free port. */
export class FakeAuthService {
  /** Every call received, in order. */
  readonly calls: RecordedCall[] = [];
  /** Stored credentials: user id -> email. */
  readonly credentials = new Map<string, string>();
  /** Per-method overrides of the default behaviour; cleared by nothing, set per test. */
  readonly script: Scripts = {};

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Starts a fake on a free port. */
  static async start(): Promise<FakeAuthService> {
    const server = new Server();
    // Mutual TLS as the auth service: the user service under test dials it with its own identity.
    const creds = (await tlsAs('auth-service')).server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
    const fake = new FakeAuthService(server, port);
    server.addService(AuthServiceService, {
      register: fake.handle('register', (req: RegisterRequest) => fake.register(req)),
      validateToken: fake.handle('validateToken', (_req: ValidateTokenRequest, call) => fake.validateToken(call)),
      updateCredentials: fake.handle('updateCredentials', (req: UpdateCredentialsRequest) => fake.updateCredentials(req)),
      deleteCredentials: fake.handle('deleteCredentials', (req: DeleteCredentialsRequest) => fake.deleteCredentials(req)),
    });
    return fake;
  }

  /** The `host:port` to give the user service as AUTH_SERVICE_URL. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Calls of one method. */
  callsOf(method: FakeMethod): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Stops at once, dropping calls left hanging. */
  stop(): void {
    this.server.forceShutdown();
  }

  private handle<Req, Res>(method: FakeMethod, fallback: Behaviour<Req, Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const deadline = call.getDeadline();
      const record: RecordedCall = {
        method,
        request: call.request,
        authorization: call.metadata.get('authorization')[0]?.toString(),
        deadline: deadline instanceof Date ? deadline.getTime() : deadline,
        receivedAt: Date.now(),
      };
      this.calls.push(record);
      call.on('cancelled', () => {
        record.cancelledAt ??= Date.now();
      });
      const behaviour = (this.script[method] as Behaviour<Req, Res> | undefined) ?? fallback;
      behaviour(call.request, call).then(
        (response) => callback(null, response),
        (err: { code: status; details: string }) => callback(err),
      );
    };
  }

  private async register(req: RegisterRequest): Promise<RegisterResponse> {
    if ([...this.credentials.values()].includes(req.email)) {
      throw Object.assign(new Error('email: already registered'), { code: status.ALREADY_EXISTS, details: 'email: already registered' });
    }
    this.credentials.set(req.userId, req.email);
    return {
      tokens: { accessToken: accessTokenFor(req.userId), refreshToken: `refresh-${req.userId}`, tokenType: 'Bearer', expiresIn: 900 },
    };
  }

  private async validateToken(call: ServerUnaryCall<ValidateTokenRequest, ValidateTokenResponse>): Promise<ValidateTokenResponse> {
    const token = parseBearer(call.metadata.get('authorization')[0]?.toString());
    const userId = token?.startsWith('access-') ? token.slice('access-'.length) : undefined;
    const email = userId === undefined ? undefined : this.credentials.get(userId);
    if (userId === undefined || email === undefined) {
      throw Object.assign(new Error('invalid token'), { code: status.UNAUTHENTICATED, details: 'invalid token' });
    }
    return { userId, email, expiresAt: Math.floor(Date.now() / 1000) + 900 };
  }

  private async updateCredentials(req: UpdateCredentialsRequest): Promise<UpdateCredentialsResponse> {
    if (!this.credentials.has(req.userId)) {
      throw Object.assign(new Error('credentials not found'), { code: status.NOT_FOUND, details: 'credentials not found' });
    }
    this.credentials.set(req.userId, req.email);
    return {};
  }

  private async deleteCredentials(req: DeleteCredentialsRequest): Promise<DeleteCredentialsResponse> {
    if (!this.credentials.delete(req.userId)) {
      throw Object.assign(new Error('credentials not found'), { code: status.NOT_FOUND, details: 'credentials not found' });
    }
    return {};
  }
}
