import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../shared/paths';
import { ghzBinary, jaegerBinary, TOOLS_EXIT_NO_GO } from './go-tools';
import { localJaegerAnswers } from './jaeger-hook';
import type { StartHook } from './start-hook';

/** Runs scripts/tools.sh for `targets` with its output on this terminal (it prefixes `[tools]`); resolves with its exit code. */
export function runTools(targets: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(projectRoot, 'scripts/tools.sh'), ...targets], { cwd: projectRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', () => resolve(127));
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/**
 * `npm start` builds the Go tools (Jaeger, ghz) the first time, so a fresh clone gets a trace
 * collector without a separate step; once built it does nothing and says nothing. Without Go the
 * services still start: tools.sh has said what to install, and the Jaeger hook that tracing has
 * no collector. A Jaeger already answering on the ports is used as is, so it is not built then.
 */
export const goToolsHook: StartHook = {
  name: 'go tools',
  async beforeStart() {
    const missing = [
      ...(!fs.existsSync(jaegerBinary) && !(await localJaegerAnswers()) ? ['jaeger'] : []),
      ...(!fs.existsSync(ghzBinary) ? ['ghz'] : []),
    ];
    if (missing.length === 0) return undefined;
    const code = await runTools(missing);
    if (code === 0 || code === TOOLS_EXIT_NO_GO) return undefined;
    return { readyLines: [`Go tools: building ${missing.join(' and ')} failed (scripts/tools.sh exit ${code}, output above); \`npm run tools\` retries`] };
  },
};
