import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../shared/paths';

// What a copy leaves out: installed and built things, and git's own folder.
const NOT_COPIED = new Set(['node_modules', '.tools', 'dist', '.data', '.git']);

/**
 * The repository's files as a clone has them, copied to `dest` (in a git checkout: tracked, and
 * new files not ignored; elsewhere every file but {@link NOT_COPIED}); the installed tools are linked.
 */
export function copyRepository(dest: string): void {
  const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: projectRoot, encoding: 'utf8' });
  if (listed.status === 0) {
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      const from = path.join(projectRoot, file);
      // Deleted in the working tree, or an installed tool's link (not ignored where it is a link).
      if (!fs.existsSync(from) || NOT_COPIED.has(file)) continue;
      fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
      fs.copyFileSync(from, path.join(dest, file));
    }
  } else {
    fs.cpSync(projectRoot, dest, { recursive: true, filter: (src) => !NOT_COPIED.has(path.basename(src)) });
  }
  for (const installed of ['node_modules', '.tools']) fs.symlinkSync(path.join(projectRoot, installed), path.join(dest, installed));
}

/** Every file under `root` but the installed and built ones, with a hash of its content. */
export function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (NOT_COPIED.has(e.name)) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else files.set(path.relative(root, full), crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  walk(root);
  return files;
}

/** The files added, changed or removed between two snapshots, sorted. */
export function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name)).sort();
}
