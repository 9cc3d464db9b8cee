import path from 'node:path';
import { expect } from 'chai';
import { readConfigFile } from '../../../../shared/config/load-config';
import { projectRoot } from '../../../../shared/paths';
import { entryDefaults } from '../../../../shared/telemetry/bootstrap';
import { resolveTracingConfig } from '../../../../shared/telemetry/tracing-config';

describe('telemetry bootstrap: which process the one preload is in', () => {
  const main = (folder: string) => path.join(projectRoot, 'dist', folder, 'main.js');

  it("finds a process's config.yaml from its main module, with a fallback name", () => {
    expect(entryDefaults(main('gateway'))).to.deep.equal({ defaultServiceName: 'gateway', configFile: path.join(projectRoot, 'gateway/config.yaml') });
    expect(entryDefaults(main('services/user'))).to.deep.equal({ defaultServiceName: 'user-service', configFile: path.join(projectRoot, 'services/user/config.yaml') });
  });

  it('names any other entry point after its file, with no config.yaml of its own', () => {
    expect(entryDefaults('/srv/app/server.mjs')).to.deep.equal({ defaultServiceName: 'server' });
    expect(entryDefaults(undefined)).to.deep.equal({ defaultServiceName: 'node' });
  });

  it("takes each process's service.name from its config.yaml", () => {
    for (const [folder, name] of [['gateway', 'gateway'], ['services/user', 'user-service'], ['services/auth', 'auth-service']] as const) {
      const { configFile, defaultServiceName } = entryDefaults(main(folder));
      // A fallback that differs, to see the name come from the file.
      const config = resolveTracingConfig({ env: {}, file: readConfigFile(configFile), defaultServiceName: `not-${defaultServiceName}` });
      expect(config.serviceName, folder).to.equal(name);
    }
  });
});
