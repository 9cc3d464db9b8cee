import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { CONFIGS, CONFIG_NAMES } from '../../../bench/configs';
import { nodeArgs, NODE_HEAP_FLAGS } from '../../../scripts/stack/process-spec';

// The `*-small-heap` configurations differ from their pair only in V8 heap flags; these checks
// keep a misspelt flag (node refuses to start) or a dropped one (the pair measures nothing) out.
describe('bench: heap flags of a configuration', () => {
  const withFlags = CONFIG_NAMES.filter((name) => CONFIGS[name].heapFlags !== undefined);

  it('the small-heap pair exists and carries flags other than the services\' own', () => {
    expect(withFlags).to.include.members(['off-small-heap', 'on-1.0-sink-small-heap']);
    for (const name of withFlags) expect(CONFIGS[name].heapFlags).to.not.deep.equal(NODE_HEAP_FLAGS);
  });

  it('nodeArgs puts given heap flags in place of NODE_HEAP_FLAGS, and the default otherwise', () => {
    const flags = CONFIGS['off-small-heap'].heapFlags!;
    expect(nodeArgs('services/auth', { heapFlags: flags })).to.deep.equal([...flags, '--require', './dist/services/auth/telemetry.js', './dist/services/auth/main.js']);
    expect(nodeArgs('services/auth', { preload: false })).to.deep.equal([...NODE_HEAP_FLAGS, './dist/services/auth/main.js']);
  });

  it('node accepts every configuration\'s heap flags', () => {
    for (const name of withFlags) {
      // A flag V8 does not know makes node exit non-zero ("bad option"); execFileSync throws then.
      const out = execFileSync(process.execPath, [...CONFIGS[name].heapFlags!, '-e', 'console.log(process.execArgv.join(" "))'], { encoding: 'utf8' });
      // execArgv also holds `-e` and the script after the flags.
      expect(out.trim().startsWith(`${CONFIGS[name].heapFlags!.join(' ')} -e`), `${name}: ${out}`).to.equal(true);
    }
  });
});
