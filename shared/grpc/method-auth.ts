import { getOption, type FileRegistry } from '@bufbuild/protobuf';
import { contractRegistry } from '../contracts';

/** The extension proto/common/v1/auth.proto declares on google.protobuf.MethodOptions. */
export const METHOD_AUTH_OPTION = 'common.v1.auth';

/** Who may call one RPC, as its contract says (`option (common.v1.auth)`). */
export interface MethodAuth {
  /** No end user's access token is needed. */
  readonly public: boolean;
  /** The service identities that may call it; empty means any service of this system. */
  callers: readonly string[];
}

// The contracts' options, read once per path: they do not change while a process runs, and the
// gateway asks for every call a procedure makes.
const ofContracts = new Map<string, MethodAuth>();

/**
 * The `common.v1.auth` option of the RPC at `path` (`/user.v1.UserService/CreateUser`), read from
 * the descriptors `npm run gen` writes (gen/descriptors.binpb), never from a list kept by hand.
 * A method without the option, and a method the contracts do not describe at all, is protected:
 * not public, any service of this system.
 */
export function methodAuth(path: string, registry: FileRegistry = contractRegistry()): MethodAuth {
  if (registry !== contractRegistry()) return readMethodAuth(path, registry);
  let auth = ofContracts.get(path);
  if (!auth) {
    auth = readMethodAuth(path, registry);
    ofContracts.set(path, auth);
  }
  return auth;
}

function readMethodAuth(path: string, registry: FileRegistry): MethodAuth {
  const match = /^\/([^/]+)\/([^/]+)$/.exec(path);
  const service = match ? registry.getService(match[1]!) : undefined;
  const method = service?.methods.find((m) => m.name === match![2]);
  if (!method) return { public: false, callers: [] };
  const option = registry.getExtension(METHOD_AUTH_OPTION);
  if (!option) throw new Error(`the contracts do not declare ${METHOD_AUTH_OPTION}: run npm run gen`);
  const value = getOption(method, option) as { public?: unknown; callers?: unknown } | undefined;
  const callers = Array.isArray(value?.callers) ? value.callers.filter((c): c is string => typeof c === 'string') : [];
  return { public: value?.public === true, callers };
}

/** Whether the RPC at `path` is marked `option (common.v1.auth) = {public: true}` ({@link methodAuth}). */
export function isPublicMethod(path: string, registry: FileRegistry = contractRegistry()): boolean {
  return methodAuth(path, registry).public;
}
