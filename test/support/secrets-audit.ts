// Mocha root-hook plugin (loaded through .mocharc.json `require`, listed before shared-jaeger.js):
// once every test of the run is done, reads back every span the run's stacks exported to the
// shared Jaeger and every line the services logged, and looks for each password and token the run
// used. A root `afterAll` hook runs after the last test whatever the spec files are called; the
// root hooks of the `require` list run in its order, so this one runs while the shared Jaeger is
// still up. `npm run test:unit` (--no-config) does not load it.
//
// A leak fails the hook, which fails the run and counts as a failure in scripts/mocha-reporter.js's
// `N passed, N failed`; when it passes, the reporter counts it as one passed test (COUNTS_AS_TEST).
import { expect } from 'chai';
import { flattenTrace, type StoredSpan } from './jaeger';
import { knownSecrets } from './secrets';
import { sharedJaeger } from './shared-jaeger';
import { allServiceLogLines } from './stack';
import { NAMED_FILES_ONLY_ENV } from '../../scripts/test';

const SERVICES = ['gateway', 'user-service', 'auth-service'];
const TITLE = 'audit: no password, token or Authorization header in any exported span or service log line';
/** Read by scripts/mocha-reporter.js: a passing hook marked so is counted (and printed) as a passed test. */
const COUNTS_AS_TEST = Symbol.for('mocha-reporter:counts-as-test');

async function everySpan(): Promise<StoredSpan[]> {
  const jaeger = await sharedJaeger();
  const min = new Date(Date.now() - 6 * 3600_000).toISOString();
  const max = new Date(Date.now() + 60_000).toISOString();
  const spans = new Map<string, StoredSpan>();
  for (const service of SERVICES) {
    const url = `${jaeger.queryUrl}/api/v3/traces?query.service_name=${service}&query.start_time_min=${min}&query.start_time_max=${max}&query.num_traces=10000`;
    const res = await fetch(url);
    if (res.status === 404) continue;
    expect(res.status, `${url}: ${res.status}`).to.equal(200);
    for (const span of flattenTrace(await res.json())) spans.set(span.spanId, span);
  }
  return [...spans.values()];
}

/** Every string a span carries: name, status message, attribute keys and values, event data. */
function textOf(span: StoredSpan): string {
  return JSON.stringify([span.name, span.statusMessage, span.attributes, span.events]);
}

/** The `service` field of a JSON log line, for the leak report. */
function serviceOf(line: string): string {
  return /"service":"([^"]*)"/.exec(line)?.[1] ?? 'unknown service';
}

/** Whether every test loaded ran: not so under --grep, --fgrep or after --bail stopped the run. */
function wholeSuiteRan(root: Mocha.Suite): boolean {
  const tests: Mocha.Test[] = [];
  const collect = (suite: Mocha.Suite) => {
    tests.push(...suite.tests);
    suite.suites.forEach(collect);
  };
  collect(root);
  return tests.every((test) => test.state !== undefined || test.isPending());
}

async function auditNoSecretsInTelemetry(this: Mocha.Context): Promise<void> {
  this.timeout(60_000);
  const logs = allServiceLogLines();
  const secrets = knownSecrets();
  // Nothing started a service (a run of unit tests only): nothing was exported or logged to read back.
  if (logs.length === 0 && secrets.length === 0) return;
  // Give the last batches of the last stacks a moment to arrive.
  await new Promise((r) => setTimeout(r, 1500));
  const spans = await everySpan();
  // Not vacuous: the whole suite really did produce traffic, telemetry and secrets to look for.
  // A filtered run (--grep, or `npm test -- <files>`) produces less, so the floors only hold
  // when every test of the whole suite ran.
  if (!process.env[NAMED_FILES_ONLY_ENV] && wholeSuiteRan(this.test!.parent!)) {
    expect(spans.length, 'spans exported by the suite').to.be.greaterThan(500);
    expect(new Set(spans.map((s) => s.service)), 'services seen').to.have.all.keys(...SERVICES);
    expect(logs.length, 'service log lines').to.be.greaterThan(200);
    expect(secrets.length, 'passwords and tokens used by the suite').to.be.greaterThan(50);
  }

  const leaks: string[] = [];
  for (const span of spans) {
    const text = textOf(span);
    if (/authorization|cookie/i.test(Object.keys(span.attributes).join(' '))) leaks.push(`header attribute on ${span.service} ${span.name}`);
    for (const secret of secrets) if (text.includes(secret)) leaks.push(`${span.service} span ${span.name}: ${secret.slice(0, 6)}…`);
  }
  for (const line of logs) {
    if (/"(authorization|cookie)"\s*:/i.test(line)) leaks.push(`header in log: ${line.slice(0, 120)}`);
    for (const secret of secrets) {
      const at = line.indexOf(secret);
      if (at >= 0) leaks.push(`log line: ...${line.slice(Math.max(0, at - 100), at)}${secret.slice(0, 6)}… (${serviceOf(line)})`);
    }
  }
  if (leaks.length > 0) {
    throw new Error(`${TITLE}: ${leaks.length} leak(s) in ${spans.length} spans and ${logs.length} log lines:\n${leaks.slice(0, 20).join('\n')}`);
  }
}

Object.defineProperty(auditNoSecretsInTelemetry, 'name', { value: TITLE });
Object.defineProperty(auditNoSecretsInTelemetry, COUNTS_AS_TEST, { value: true });

export const mochaHooks = {
  afterAll: [auditNoSecretsInTelemetry],
};
