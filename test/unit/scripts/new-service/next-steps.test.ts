import path from 'node:path';
import { expect } from 'chai';
import { nextSteps } from '../../../../scripts/new-service/next-steps';
import { planService } from '../../../../scripts/new-service/plan';
import { readConfigFile } from '../../../../shared/config/load-config';
import { projectRoot } from '../../../../shared/paths';
import { unusedServiceName } from '../../../support/service-name';

// What the generator prints after writing a service: the ports as configured, not assumed.

const plan = planService(projectRoot, unusedServiceName());
const { name, NAME, Name, port } = plan.names;
const curlOf = (lines: string[]) => lines.find((l) => l.trimStart().startsWith('curl'))!;

describe('npm run new:service: what to do next (scripts/new-service/next-steps.ts)', () => {
  it("names the service's port and the gateway's, from gateway/config.yaml when nothing overrides them", () => {
    const gatewayPort = readConfigFile(path.join(projectRoot, 'gateway/config.yaml')).GATEWAY_PORT;
    expect(gatewayPort).to.match(/^\d+$/);
    const lines = nextSteps(plan, {});
    expect(lines[0]).to.equal(`${name}.v1.${Name}Service is ready on port ${port}, with Create${plan.names.Entity} and Get${plan.names.Entity}.`);
    expect(curlOf(lines)).to.include(` http://127.0.0.1:${gatewayPort}/api/v1/${name} `);
    expect(lines).to.include(`  npm test -- test/unit/services/${name} test/integration/${name}.test.ts`);
  });

  it('follows the environment, as npm start does: GATEWAY_PORT, GATEWAY_HOST and the service port', () => {
    const lines = nextSteps(plan, { GATEWAY_PORT: '18080', GATEWAY_HOST: '0.0.0.0', [`${NAME}_SERVICE_PORT`]: '51999' });
    expect(lines[0]).to.include('ready on port 51999,');
    expect(curlOf(lines)).to.include(' http://127.0.0.1:18080/');
    expect(curlOf(nextSteps(plan, { GATEWAY_HOST: '::1', GATEWAY_PORT: '9000' }))).to.include(' http://[::1]:9000/');
  });

  it('refuses a port that is not one, naming the key', () => {
    expect(() => nextSteps(plan, { GATEWAY_PORT: 'eighty' })).to.throw('GATEWAY_PORT: must be a port number, got "eighty"');
  });
});
