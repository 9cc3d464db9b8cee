import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { nodeArgs, nodeFlags, PROCESS_SPECS } from '../../../../scripts/stack/process-spec';
import { projectRoot } from '../../../../shared/paths';

describe('process spec: how a process is started', () => {
  const PRELOAD = ['--require', './dist/shared/telemetry/preload.js'];

  it("takes the node flags from the Dockerfile's NODE_OPTIONS: the heap setting and the tracing preload", () => {
    const flags = nodeFlags();
    expect(flags).to.include('--max-semi-space-size=16');
    const at = flags.indexOf('--require');
    expect(flags.slice(at, at + 2)).to.deep.equal(PRELOAD);
    expect(fs.existsSync(path.join(projectRoot, 'dist/shared/telemetry/preload.js')), 'the preload is built').to.equal(true);
  });

  it('starts main after the flags, and drops only the preload when asked', () => {
    expect(nodeArgs('gateway')).to.deep.equal([...nodeFlags(), './dist/gateway/main.js']);
    const bare = nodeArgs('services/user', { preload: false, extra: ['--cpu-prof'] });
    expect(bare).to.deep.equal([...nodeFlags().filter((f) => !PRELOAD.includes(f)), '--cpu-prof', './dist/services/user/main.js']);
  });

  it("keeps the flags in one place: every Dockerfile target's CMD is node and its main only", () => {
    const dockerfile = fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
    const cmds = [...dockerfile.matchAll(/^CMD (.*)$/gm)].map((m) => JSON.parse(m[1]!) as string[]);
    expect(cmds.map((cmd) => cmd[1])).to.have.members(PROCESS_SPECS.map((s) => `./dist/${s.folder}/main.js`));
    for (const cmd of cmds) expect(cmd).to.have.length(2).and.to.have.property('0', 'node');
  });
});
