import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { jaegerConfigMapsFile, renderJaegerConfigMaps } from '../../../scripts/k8s/jaeger-config-maps';
import { jaegerBinary, otelcolLbBinary } from '../../../scripts/stack/go-tools';
import { jaegerConfigOf, jaegerEnv } from '../../support/k8s/jaeger-config';
import { jaegerDeployments, otelcolDeployments } from '../../support/k8s/jaeger-checks';
import { loadManifests, type Deployment } from '../../support/k8s/manifests';

const manifests = loadManifests();

/** `jaeger validate` of a Deployment's mounted config with that pod's environment (nothing else). */
function validateIn(d: Deployment, envOverrides: Record<string, string> = {}, binary = jaegerBinary): { status: number | null; output: string } {
  const found = jaegerConfigOf(manifests, d);
  if (!found) throw new Error(`${d.metadata.name}: no mounted config`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jaeger-config-'));
  try {
    fs.writeFileSync(path.join(dir, 'config.yaml'), found.config);
    const run = spawnSync(binary, ['validate', '--config', path.join(dir, 'config.yaml')], {
      env: { PATH: process.env.PATH, ...jaegerEnv(d), ...envOverrides },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The Jaeger tiers' configs as their pods see them, checked by Jaeger itself: the binary
// scripts/tools.sh builds (its JAEGER_VERSION, a Jaeger v2 a little newer than the image
// docker-compose.yml runs; npm test builds it before the suite).
describe('deploy/k8s: the Jaeger configs', function () {
  this.timeout(120_000);

  it('jaeger-config.yaml is what npm run k8s:jaeger-config makes from deploy/', () => {
    expect(fs.readFileSync(jaegerConfigMapsFile, 'utf8'), 'stale: run npm run k8s:jaeger-config').to.equal(renderJaegerConfigMaps());
  });

  it('Jaeger accepts each tier\'s config with its pod\'s environment', function () {
    expect(fs.existsSync(jaegerBinary), `${jaegerBinary} missing: bash scripts/tools.sh jaeger`).to.equal(true);
    const tiers = jaegerDeployments(manifests);
    expect(tiers.map((d) => d.metadata.name)).to.have.members(['jaeger-sampler', 'jaeger-query']);
    for (const d of tiers) {
      const { status, output } = validateIn(d);
      expect(status, `${d.metadata.name}: ${output}`).to.equal(0);
    }
  });

  it('and refuses one with a bad value from the environment', () => {
    const collector = jaegerDeployments(manifests).find((d) => d.metadata.name === 'jaeger-sampler')!;
    const { status, output } = validateIn(collector, { COLLECTOR_MEMORY_LIMIT_MIB: 'lots' });
    expect(status).to.not.equal(0);
    expect(output).to.match(/limit_mib/);
  });

  // The load balancer's pod runs the contrib image of the release otelcol-lb is built from: the
  // same components, so otelcol-lb (scripts/tools.sh otelcol-lb, npm test builds it) checks it.
  it('otelcol-lb accepts the load balancer\'s config with its pod\'s environment (the dns resolver on the headless Service)', () => {
    expect(fs.existsSync(otelcolLbBinary), `${otelcolLbBinary} missing: bash scripts/tools.sh otelcol-lb`).to.equal(true);
    const [lb] = otelcolDeployments(manifests);
    expect(lb?.metadata.name).to.equal('otelcol-lb');
    const { status, output } = validateIn(lb!, {}, otelcolLbBinary);
    expect(status, output).to.equal(0);
  });

  it('and refuses it without a resolver, or with the port as a number', () => {
    const [lb] = otelcolDeployments(manifests);
    const none = validateIn(lb!, { LB_RESOLVER: '' }, otelcolLbBinary);
    expect(none.status).to.not.equal(0);
    expect(none.output).to.match(/no resolvers specified/);
    const numeric = validateIn(lb!, { LB_RESOLVER: '{dns: {hostname: jaeger-sampler, port: 4317}}' }, otelcolLbBinary);
    expect(numeric.status).to.not.equal(0);
    expect(numeric.output).to.match(/'port' expected type 'string'/);
  });
});
