import { DEV_PKI_DIR } from '../../shared/config/grpc-tls';
import { provisionDevPki } from './dev-pki';
import { identityOf, perProcess, PROCESS_SPECS } from './process-spec';
import type { DevPki } from './dev-pki';
import type { StartHook } from './start-hook';

/**
 * A development PKI in `dir` (default the checkout's .data/pki) with a certificate for every
 * process of the stack: what `npm start`, the bench and docker-compose.yml give their processes.
 */
export function provisionStackPki(dir: string = DEV_PKI_DIR): Promise<DevPki> {
  return provisionDevPki(dir, { identities: PROCESS_SPECS.map((s) => identityOf(s.name)) });
}

/**
 * `npm start` gives every process its mutual-TLS identity with no step for the user: a
 * development CA and one certificate per process in .data/pki (git-ignored), made on the first
 * start and reused while valid, handed to each process as GRPC_TLS_CA / GRPC_TLS_CERT /
 * GRPC_TLS_KEY. Settings already in the environment win, as for every other setting.
 */
export const devPkiHook: StartHook = {
  name: 'dev-pki',
  async beforeStart() {
    const pki = await provisionStackPki();
    const own = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([key]) => process.env[key] === undefined));
    return { envFor: perProcess((name) => own(pki.envOf(identityOf(name)))) };
  },
};
