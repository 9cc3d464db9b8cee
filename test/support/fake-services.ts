import { Metadata, status as GrpcStatus, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import pino from 'pino';
import type { User } from '../../gen/user/v1/user';
import { DOWNSTREAM, type DownstreamName } from '../../gateway/grpc-clients';
import { startGrpcServer, type RunningGrpcServer } from '../../shared/grpc/server';
import { serviceIdentity } from '../../shared/grpc/service-identity';
import { tlsAs } from './pki';

// Scripted stand-ins for every service the gateway calls (DOWNSTREAM), each on a real gRPC server
// of its own under its own service identity (the gateway accepts no other), so the gateway's
// procedures run over real sockets without the real services (those are covered by their own
// suites and the end-to-end suite).

/** One call a fake received. */
export interface RecordedCall {
  /** `user.createUser`, `auth.login`, ... */
  method: string;
  request: any;
  /** The `authorization` metadata value, if any. */
  authorization: string | undefined;
  /** The call's deadline (ms since epoch). */
  deadline: number;
}

/** What a scripted method does: answer, or throw `{code, details}` (see {@link grpcFailure}). */
export type Behaviour = (request: any) => Promise<unknown>;

/** An error a behaviour throws to fail the call with a gRPC status. */
export const grpcFailure = (code: GrpcStatus, details: string) => Object.assign(new Error(details), { code, details });

/** A behaviour that never answers, so the caller's deadline decides. */
export const hang: Behaviour = () => new Promise<never>(() => {});

/** A user as the fake user service returns it. */
export const sampleUser = (id: string, over: Partial<User> = {}): User => ({
  id,
  email: 'ada@example.com',
  name: 'Ada',
  role: 'user',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const tokens = { accessToken: 'access-1', refreshToken: 'refresh-1', tokenType: 'Bearer', expiresIn: 900 };

/** Default behaviours: a tiny happy-path world. */
function defaults(): Record<string, Behaviour> {
  return {
    'user.createUser': async (req) => ({ user: sampleUser('u-new', { email: req.email, name: req.name }), tokens }),
    'user.getUser': async (req) => ({ user: sampleUser(req.id) }),
    'user.updateUser': async (req) => ({ user: sampleUser(req.id, { name: req.name ?? 'Ada' }) }),
    'user.deleteUser': async () => ({}),
    'user.listUsers': async () => ({ users: [sampleUser('u1'), sampleUser('u2')], total: 42 }),
    'auth.login': async () => ({ tokens, userId: 'u1' }),
    'auth.refreshToken': async () => ({ tokens: { ...tokens, accessToken: 'access-2', refreshToken: 'refresh-2' } }),
    'auth.logout': async () => ({}),
    'auth.getCurrentUser': async () => ({ userId: 'u-me', email: 'me@example.com' }),
  };
}

/** Every fake service, each on its own server at 127.0.0.1:<port>. */
export class FakeServices {
  /** Every call received, in order. */
  readonly calls: RecordedCall[] = [];
  /** Per-method overrides (`auth.login`: ...); reset with {@link reset}. */
  script: Record<string, Behaviour> = {};

  private constructor(private readonly running: Record<DownstreamName, RunningGrpcServer>) {}

  /** Gateway settings pointing each of its services (USER_SERVICE_URL, ...) at its fake. */
  get gatewayEnv(): Record<string, string> {
    return Object.fromEntries((Object.keys(DOWNSTREAM) as DownstreamName[]).map((name) => [DOWNSTREAM[name].target, `127.0.0.1:${this.running[name].port}`]));
  }

  /** The calls made to one method. */
  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Forgets calls and scripts. */
  reset(): void {
    this.calls.length = 0;
    this.script = {};
  }

  /** Starts the fakes on a free port. */
  static async start(): Promise<FakeServices> {
    const base = defaults();
    let fake: FakeServices | undefined;
    const handler =
      (method: string) =>
      (call: ServerUnaryCall<any, unknown>, callback: sendUnaryData<unknown>): void => {
        const auth = (call.metadata as Metadata).get('authorization')[0];
        fake!.calls.push({
          method,
          request: call.request,
          authorization: typeof auth === 'string' ? auth : undefined,
          deadline: (call.getDeadline() as Date | number).valueOf(),
        });
        const behaviour = fake!.script[method] ?? base[method] ?? (() => Promise.reject(grpcFailure(GrpcStatus.UNIMPLEMENTED, `${method} is not scripted`)));
        behaviour(call.request).then(
          (res) => callback(null, res),
          (err: { code?: number; details?: string }) => callback({ code: err.code ?? GrpcStatus.UNKNOWN, details: err.details ?? '' }),
        );
      };
    const implement = (prefix: string, definition: Record<string, unknown>) =>
      Object.fromEntries(Object.keys(definition).map((name) => [name, handler(`${prefix}.${name}`)]));
    const running = await Promise.all(
      (Object.keys(DOWNSTREAM) as DownstreamName[]).map(async (name) => {
        const { Client } = DOWNSTREAM[name];
        const server = await startGrpcServer({
          host: '127.0.0.1',
          port: 0,
          tls: await tlsAs(serviceIdentity(name)),
          services: [{ name: Client.serviceName, definition: Client.service, implementation: implement(name, Client.service) }],
          logger: pino({ level: 'silent' }),
          shutdownTimeoutMs: 200,
        });
        return [name, server] as const;
      }),
    );
    fake = new FakeServices(Object.fromEntries(running) as Record<DownstreamName, RunningGrpcServer>);
    return fake;
  }

  /** Stops the servers. */
  async stop(): Promise<void> {
    await Promise.all(Object.values<RunningGrpcServer>(this.running).map((r) => r.shutdown()));
  }
}
