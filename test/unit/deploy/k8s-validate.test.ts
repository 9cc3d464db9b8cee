import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { projectRoot } from '../../../shared/paths';
import { k8sDir } from '../../support/k8s/manifests';

/** Runs scripts/k8s-validate.sh run [files] (the venv is made on the first call, ~40 s). */
function validate(files: string[] = []): { status: number | null; output: string } {
  const run = spawnSync('bash', [path.join(projectRoot, 'scripts', 'k8s-validate.sh'), 'run', ...files], { cwd: projectRoot, encoding: 'utf8', timeout: 240_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Every .yaml under deploy/k8s/, examples included: what the script validates by default. */
function allManifestFiles(dir: string = k8sDir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allManifestFiles(path.join(dir, e.name)) : e.name.endsWith('.yaml') ? [path.join(dir, e.name)] : [],
  );
}

// The Kubernetes API schemas, offline: kubernetes-validate (pinned, in a venv under .tools/) in
// strict mode against pinned Kubernetes minors (scripts/k8s-validate.sh).
describe('deploy/k8s: Kubernetes schemas (kubernetes-validate, strict)', function () {
  this.timeout(300_000);

  it('every manifest validates for the oldest and the newest Kubernetes targeted, the example Secrets included', () => {
    const { status, output } = validate();
    expect(status, output).to.equal(0);
    const all = allManifestFiles().flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).filter((d) => d.contents !== null));
    // cert-manager's custom resources have no bundled schema: left to the cross-reference test, and said so.
    const custom = (d: (typeof all)[number]) => String((d.toJS() as { apiVersion?: string }).apiVersion).startsWith('cert-manager.io/');
    const documents = all.filter((d) => !custom(d));
    expect(all.filter(custom), 'the cert-manager objects of deploy/k8s/pki.yaml').to.have.length.at.least(5);
    expect(output).to.match(/not validated here \(custom resources, checked by the cross-reference test\): .*deploy\/k8s\/pki\.yaml/);
    for (const version of ['1.30', '1.37']) {
      expect(output.match(new RegExp(` passed for resource .* against version ${version.replace('.', '\\.')}$`, 'gm'))?.length, output).to.equal(documents.length);
    }
  });

  it('fails, naming the field, on a wrong type, an unknown field and an unknown kind', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-validate-'));
    try {
      const gateway = fs.readFileSync(path.join(k8sDir, 'gateway.yaml'), 'utf8');
      fs.writeFileSync(path.join(dir, 'type.yaml'), gateway.replace('replicas: 2', 'replicas: two'));
      fs.writeFileSync(path.join(dir, 'field.yaml'), gateway.replace('periodSeconds: 5', 'periodSecond: 5'));
      fs.writeFileSync(path.join(dir, 'kind.yaml'), 'apiVersion: v1\nkind: Deployment\nmetadata:\n  name: x\n');
      const { status, output } = validate(['type.yaml', 'field.yaml', 'kind.yaml'].map((f) => path.join(dir, f)));
      expect(status, output).to.equal(1);
      expect(output).to.match(/type\.yaml did not validate .*spec\.replicas: 'two' is not of type 'integer'/);
      expect(output).to.match(/field\.yaml did not validate .*'periodSecond' was unexpected/);
      expect(output).to.match(/WARN .*kind\.yaml Couldn't find schema for kind Deployment with api version v1/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
