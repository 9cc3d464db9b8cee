// Runs last (mocha loads spec files in path order; `zz-` keeps this one at the end): reads back
// every span the suite's stacks exported to the shared Jaeger and every line the services logged,
// and looks for each password and token the suite used.
import { expect } from 'chai';
import { flattenTrace, type StoredSpan } from '../support/jaeger';
import { knownSecrets } from '../support/secrets';
import { sharedJaeger } from '../support/shared-jaeger';
import { allServiceLogLines } from '../support/stack';

const SERVICES = ['gateway', 'user-service', 'auth-service'];

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

describe('audit: no secrets in telemetry (whole suite)', function () {
  this.timeout(60_000);

  it('no password, token or Authorization header in any exported span or service log line', async () => {
    // Give the last batches of the last stacks a moment to arrive.
    await new Promise((r) => setTimeout(r, 1500));
    const spans = await everySpan();
    const logs = allServiceLogLines();
    const secrets = knownSecrets();
    // Not vacuous: the suite really did produce traffic, telemetry and secrets to look for.
    expect(spans.length, 'spans exported by the suite').to.be.greaterThan(500);
    expect(new Set(spans.map((s) => s.service)), 'services seen').to.have.all.keys(...SERVICES);
    expect(logs.length, 'service log lines').to.be.greaterThan(200);
    expect(secrets.length, 'passwords and tokens used by the suite').to.be.greaterThan(50);

    const leaks: string[] = [];
    for (const span of spans) {
      const text = textOf(span);
      if (/authorization|cookie/i.test(Object.keys(span.attributes).join(' '))) leaks.push(`header attribute on ${span.service} ${span.name}`);
      for (const secret of secrets) if (text.includes(secret)) leaks.push(`${span.service} span ${span.name}: ${secret.slice(0, 6)}…`);
    }
    for (const line of logs) {
      if (/"(authorization|cookie)"\s*:/i.test(line)) leaks.push(`header in log: ${line.slice(0, 120)}`);
      for (const secret of secrets) if (line.includes(secret)) leaks.push(`log line: ${line.slice(0, 120)}`);
    }
    expect(leaks, leaks.slice(0, 20).join('\n')).to.deep.equal([]);
  });
});
