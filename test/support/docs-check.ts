import { execFile } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../shared/paths';

/** What one run of scripts/docs-check.sh did. */
export interface DocsCheckResult {
  /** The exit code: 0 when every link and anchor resolved. */
  code: number;
  /** stdout and stderr together: the checker's findings. */
  output: string;
}

/**
 * Runs scripts/docs-check.sh (what `npm run docs:check` and CI run) in `cwd` on `files`, or on the
 * repository's docs when none are given. Never rejects: a failed check is a result.
 */
export function runDocsCheck(files: string[] = [], cwd = projectRoot): Promise<DocsCheckResult> {
  return new Promise((resolve) => {
    execFile('bash', [path.join(projectRoot, 'scripts/docs-check.sh'), ...files], { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
