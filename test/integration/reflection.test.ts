// Server reflection is what lets grpcurl and ghz call the services without proto files.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer, loadSync } from '@grpc/proto-loader';
import { expect } from 'chai';
import { ghzTlsFlags } from '../../bench/ghz-load';
import { ghzBinary } from '../../scripts/stack/go-tools';
import { dialAs, testPki } from '../support/pki';
import { registerAccount } from '../support/accounts';
import { useStack } from '../support/stack';

const run = promisify(execFile);

interface GhzReport {
  count: number;
  statusCodeDistribution: Record<string, number>;
}

async function ghzCall(address: string, call: string, data: unknown, token: string): Promise<GhzReport> {
  // Mutual TLS as the gateway, which may call both RPCs used here.
  const tls = ghzTlsFlags((await testPki()).filesOf('gateway'));
  const { stdout } = await run(ghzBinary, [...tls, '--call', call, '-d', JSON.stringify(data), '-m', JSON.stringify({ authorization: `Bearer ${token}` }), '-n', '20', '-c', '2', '-O', 'json', address], { timeout: 30_000 });
  return JSON.parse(stdout) as GhzReport;
}

/** One answer of `grpc.reflection.v1.ServerReflection/ServerReflectionInfo`, as proto-loader decodes it. */
interface ReflectionAnswer {
  listServicesResponse?: { service: Array<{ name: string }> };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** The client constructor at a dotted path of a loaded package (`grpc.health.v1.Health`). */
function clientAt(pkg: GrpcObject, name: string): ServiceClientConstructor {
  return name.split('.').reduce((o: any, part) => o[part], pkg) as ServiceClientConstructor;
}

/**
 * Asks the reflection service of `server` (its service identity) at `address`, as grpcurl does:
 * one stream, one request after the other, an answer to each. The reflection contract is the one
 * @grpc/reflection ships.
 */
async function reflect(address: string, server: string, requests: object[]): Promise<ReflectionAnswer[]> {
  const proto = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');
  const Reflection = clientAt(loadPackageDefinition(loadSync(proto)), 'grpc.reflection.v1.ServerReflection');
  // Any service of this system may reflect: the port asks only for a certificate of its CA.
  const client = new Reflection(address, ...(await dialAs('gateway', server)));
  try {
    const stream = client.ServerReflectionInfo!();
    const answers: ReflectionAnswer[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (answer: ReflectionAnswer) => answers.push(answer));
      stream.on('error', reject);
      stream.on('end', resolve);
    });
    for (const request of requests) stream.write({ host: '', ...request });
    stream.end();
    await done;
    return answers;
  } finally {
    client.close();
  }
}

describe('gRPC server reflection (a reflection client without proto files)', function () {
  this.timeout(60_000);
  const stack = useStack();
  const grpcServices = ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

  it('lists every service each port serves: its own, health and reflection', async () => {
    for (const [address, own, server] of [
      [stack().userAddr, 'user.v1.UserService', 'user-service'],
      [stack().authAddr, 'auth.v1.AuthService', 'auth-service'],
    ] as const) {
      const [answer] = await reflect(address, server, [{ listServices: '*' }]);
      const names = answer!.listServicesResponse!.service.map((s) => s.name).sort();
      expect(names, address).to.deep.equal([own, ...grpcServices].sort());
    }
  });

  it('describes grpc.health.v1.Health well enough to call Check with nothing but what reflection returned', async () => {
    const [answer] = await reflect(stack().userAddr, 'user-service', [{ fileContainingSymbol: 'grpc.health.v1.Health' }]);
    expect(answer!.errorResponse).to.equal(undefined);
    const files = answer!.fileDescriptorResponse!.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
    expect(files.map((f) => f.name)).to.deep.equal(['grpc/health/v1/health.proto']);
    expect(files[0]!.service.find((s) => s.name === 'Health')?.method.map((m) => m.name)).to.include.members(['Check', 'Watch']);
    const set = Buffer.from(toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: files })));
    const Health = clientAt(loadPackageDefinition(loadFileDescriptorSetFromBuffer(set, { enums: String })), 'grpc.health.v1.Health');
    const client = new Health(stack().userAddr, ...(await dialAs('gateway', 'user-service')));
    try {
      const response = await new Promise<{ status: string }>((resolve, reject) =>
        client.Check!({ service: 'user.v1.UserService' }, (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res))),
      );
      expect(response.status).to.equal('SERVING');
    } finally {
      client.close();
    }
  });

  it('describes the reflection service itself (v1 and v1alpha)', async () => {
    const answers = await reflect(stack().authAddr, 'auth-service', [
      { fileContainingSymbol: 'grpc.reflection.v1.ServerReflection' },
      { fileContainingSymbol: 'grpc.reflection.v1alpha.ServerReflection' },
    ]);
    const names = answers.map((a) => a.fileDescriptorResponse?.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name));
    expect(names).to.deep.equal([['grpc/reflection/v1/reflection.proto'], ['grpc/reflection/v1alpha/reflection.proto']]);
  });
});

describe('gRPC server reflection (ghz without proto files)', function () {
  this.timeout(60_000);
  const stack = useStack();

  it('resolves user.v1.UserService, including the auth.v1 message it imports', async () => {
    const who = await registerAccount(stack().gatewayUrl);
    const report = await ghzCall(stack().userAddr, 'user.v1.UserService/GetUser', { id: who.id }, who.accessToken);
    expect(report.statusCodeDistribution).to.deep.equal({ OK: 20 });
  });

  it('resolves auth.v1.AuthService', async () => {
    const who = await registerAccount(stack().gatewayUrl);
    const report = await ghzCall(stack().authAddr, 'auth.v1.AuthService/ValidateToken', {}, who.accessToken);
    expect(report.statusCodeDistribution).to.deep.equal({ OK: 20 });
  });
});
