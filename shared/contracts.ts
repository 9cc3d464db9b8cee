import fs from 'node:fs';
import path from 'node:path';
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { projectRoot } from './paths';

/** gen/descriptors.binpb, written by `npm run gen` (`buf build`) and checked by `npm run gen:check`. */
export const descriptorSetPath = path.join(projectRoot, 'gen', 'descriptors.binpb');

/**
 * Every contract's FileDescriptorProto, as the bytes buf wrote (field 1 of the
 * FileDescriptorSet, repeated), for server reflection.
 */
export function contractFileDescriptors(): Uint8Array[] {
  const reader = new BinaryReader(fs.readFileSync(descriptorSetPath));
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) files.push(reader.bytes());
    else reader.skip(wireType);
  }
  return files;
}

let registry: FileRegistry | undefined;

/** The contracts' message and service descriptors (read once), for checking requests against them. */
export function contractRegistry(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, fs.readFileSync(descriptorSetPath)));
  return registry;
}

/**
 * Every RPC the contracts declare, as `package.Service/Method` (`user.v1.UserService/GetUser`),
 * read from `registry` (by default gen/descriptors.binpb): a service `npm run new:service` adds is
 * in it as soon as `npm run gen` has run.
 */
export function contractMethodPaths(registry: FileRegistry = contractRegistry()): string[] {
  const paths: string[] = [];
  for (const file of registry.files) {
    for (const service of file.services) {
      for (const method of service.methods) paths.push(`${service.typeName}/${method.name}`);
    }
  }
  return paths;
}
