#!/usr/bin/env node
// Fails when gen/ is not what `npm run gen` makes from proto/ now: regenerates into a temporary
// folder and compares file by file, so a proto change without `npm run gen` cannot land.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-check-'));

function files(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full, base) : [path.relative(base, full)];
  });
}

try {
  const buf = path.join(root, 'node_modules/.bin/buf');
  // The same two steps as `npm run gen`: TypeScript, then the descriptor set reflection serves.
  execFileSync(buf, ['generate', '-o', tmp], { cwd: root, stdio: 'inherit' });
  execFileSync(buf, ['build', '--exclude-source-info', '-o', path.join(tmp, 'gen', 'descriptors.binpb')], { cwd: root, stdio: 'inherit' });
  const fresh = path.join(tmp, 'gen');
  const committed = path.join(root, 'gen');
  const names = new Set([...files(fresh), ...files(committed)]);
  const stale = [...names].sort().filter((name) => {
    const a = path.join(fresh, name);
    const b = path.join(committed, name);
    return !fs.existsSync(a) || !fs.existsSync(b) || !fs.readFileSync(a).equals(fs.readFileSync(b));
  });
  if (stale.length) {
    console.error(`gen/ is out of date with proto/ (run \`npm run gen\` and commit):\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`gen/ is current (${names.size} files)`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
