import { expect } from 'chai';
import { gatewayConfigSchema } from '../../../gateway/config';
import { DOWNSTREAM } from '../../../gateway/grpc-clients';
import { SERVICE_SPECS, specFor, urlEnvOf } from '../../../scripts/stack/process-spec';

// The gateway calls every service of the stack: its DOWNSTREAM table and the process list
// (scripts/stack/process-spec.ts, which `npm start` and the test stacks read) name the same ones,
// each reached through the same setting, so a service on one list only fails here in seconds.
describe('gateway clients (gateway/grpc-clients.ts)', () => {
  it('has a client for every service of the process list, and no other', () => {
    expect(Object.keys(DOWNSTREAM).sort()).to.deep.equal(SERVICE_SPECS.map((s) => s.name).sort());
    expect([...specFor('gateway').calls].sort()).to.deep.equal(Object.keys(DOWNSTREAM).sort());
  });

  it('finds each service through the setting the launcher sets, a key of the gateway config', () => {
    for (const [name, { target }] of Object.entries(DOWNSTREAM)) {
      expect(target, name).to.equal(urlEnvOf(name as Parameters<typeof urlEnvOf>[0]));
      expect(gatewayConfigSchema.shape, name).to.have.property(target);
    }
  });
});
