// Mocha's spec reporter plus one closing line, `N passed, N failed`, that CI reads.
// A failing hook is a failure (mocha reports it as a failed test). A passing hook is counted as a
// passed test only when its function is marked with Symbol.for('mocha-reporter:counts-as-test'):
// a root hook that checks the whole run (test/support/secrets-audit.ts) rather than setting up.
'use strict';
const Mocha = require('mocha');

const { color, consoleLog, symbols } = Mocha.reporters.Base;
const COUNTS_AS_TEST = Symbol.for('mocha-reporter:counts-as-test');

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => passed++);
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, () => failed++);
    // Mocha emits HOOK_END only for a hook that did not fail.
    runner.on(Mocha.Runner.constants.EVENT_HOOK_END, (hook) => {
      if (!hook.fn || !hook.fn[COUNTS_AS_TEST]) return;
      passed++;
      consoleLog();
      consoleLog(`  ${color('checkmark', symbols.ok)} ${color('pass', hook.fn.name || hook.originalTitle)}`);
    });
    // After the spec reporter's own epilogue (registered first), so this is the last line.
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
    });
  }
}

module.exports = SpecWithSummary;
