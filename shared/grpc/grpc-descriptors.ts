import path from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { loadSync, type AnyDefinition, type MessageTypeDefinition } from '@grpc/proto-loader';

// The services every server carries beside its own (health checking and reflection itself) are
// gRPC's contracts, not ours: their .proto files ship in the packages that implement them, not in
// proto/, so buf's descriptors (contracts.ts) do not have them.

/** A gRPC service every server carries, and the .proto that describes it. */
interface GrpcProto {
  /** Fully qualified service name. */
  service: string;
  /** Its canonical file name (as in grpc/grpc-proto), which reflection serves it under. */
  name: string;
  /** Where its package ships it: the package, and the include folder and file inside it. */
  pkg: string;
  includeDir: string;
  file: string;
}

const GRPC_PROTOS: readonly GrpcProto[] = [
  { service: 'grpc.health.v1.Health', name: 'grpc/health/v1/health.proto', pkg: 'grpc-health-check', includeDir: 'proto', file: 'health/v1/health.proto' },
  {
    service: 'grpc.reflection.v1.ServerReflection',
    name: 'grpc/reflection/v1/reflection.proto',
    pkg: '@grpc/reflection',
    includeDir: 'build/proto',
    file: 'grpc/reflection/v1/reflection.proto',
  },
  {
    service: 'grpc.reflection.v1alpha.ServerReflection',
    name: 'grpc/reflection/v1alpha/reflection.proto',
    pkg: '@grpc/reflection',
    includeDir: 'build/proto',
    file: 'grpc/reflection/v1alpha/reflection.proto',
  },
];

/** The services of gRPC's own every server carries: health checking and server reflection (both versions). */
export const GRPC_SERVICES: readonly string[] = GRPC_PROTOS.map((p) => p.service);

let descriptors: Uint8Array[] | undefined;

/**
 * The FileDescriptorProtos of {@link GRPC_SERVICES}, for server reflection, read once from the
 * .proto files their packages ship. None imports another file, so proto-loader's regenerated
 * descriptors are whole; only their names are put back to the canonical ones.
 */
export function grpcFileDescriptors(): Uint8Array[] {
  descriptors ??= GRPC_PROTOS.map((proto) => {
    const root = path.join(path.dirname(require.resolve(`${proto.pkg}/package.json`)), proto.includeDir);
    const definition = loadSync(proto.file, { includeDirs: [root] });
    const bytes = Object.values(definition).find(isMessage)?.fileDescriptorProtos[0];
    if (!bytes) throw new Error(`${proto.pkg}: no descriptor in ${proto.file}`);
    const file = fromBinary(FileDescriptorProtoSchema, bytes);
    file.name = proto.name;
    return toBinary(FileDescriptorProtoSchema, file);
  });
  return descriptors;
}

/** Whether a package definition's entry is a message (the entries that carry the file's descriptor). */
function isMessage(definition: AnyDefinition): definition is MessageTypeDefinition<object, object> {
  return Array.isArray((definition as MessageTypeDefinition<object, object>).fileDescriptorProtos);
}
