import { getOption, type FileRegistry } from '@bufbuild/protobuf';
import { contractRegistry } from './contracts';

/** The extension proto/common/v1/auth.proto declares on google.protobuf.MethodOptions. */
export const METHOD_AUTH_OPTION = 'common.v1.auth';

/**
 * Whether the RPC at `path` (`/user.v1.UserService/CreateUser`) is marked
 * `option (common.v1.auth) = {public: true}` in its contract, read from the descriptors
 * `npm run gen` writes (gen/descriptors.binpb), never from a list kept by hand. Anything else is
 * protected: a method without the option, and a method the contracts do not describe at all.
 */
export function isPublicMethod(path: string, registry: FileRegistry = contractRegistry()): boolean {
  const match = /^\/([^/]+)\/([^/]+)$/.exec(path);
  if (!match) return false;
  const service = registry.getService(match[1]!);
  const method = service?.methods.find((m) => m.name === match[2]);
  if (!method) return false;
  const option = registry.getExtension(METHOD_AUTH_OPTION);
  if (!option) throw new Error(`the contracts do not declare ${METHOD_AUTH_OPTION}: run npm run gen`);
  const value = getOption(method, option) as { public?: unknown } | undefined;
  return value?.public === true;
}
