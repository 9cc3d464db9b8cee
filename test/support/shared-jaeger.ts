import { startJaeger, type TestJaeger } from './jaeger';

// One Jaeger for the whole mocha run: every stack exports to it unless a test brings its own, so
// the audit at the end (test/support/secrets-audit.ts) can read back everything the suite produced.
let shared: Promise<TestJaeger> | undefined;

/** The suite-wide Jaeger, started on first use. */
export function sharedJaeger(): Promise<TestJaeger> {
  shared ??= startJaeger();
  return shared;
}

/** Mocha root hooks (loaded through .mocharc.json `require`): stop the shared Jaeger at the end. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    if (shared) await (await shared).stop();
  },
};
