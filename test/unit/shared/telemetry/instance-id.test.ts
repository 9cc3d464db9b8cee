import os from 'node:os';
import { expect } from 'chai';
import { ConfigError } from '../../../../shared/config/load-config';
import { resolveServiceInstanceId } from '../../../../shared/telemetry/instance-id';
import { resolveTracingConfig } from '../../../../shared/telemetry/tracing-config';

describe('service.instance.id (shared/telemetry/instance-id.ts)', () => {
  it('defaults to <hostname>-<pid>', () => {
    expect(resolveServiceInstanceId({}, {})).to.equal(`${os.hostname()}-${process.pid}`);
  });

  it('takes SERVICE_INSTANCE_ID over OTEL_RESOURCE_ATTRIBUTES over config.yaml', () => {
    const otel = { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.instance.id=pod%2D7' };
    const file = { SERVICE_INSTANCE_ID: 'from-file' };
    expect(resolveServiceInstanceId({ SERVICE_INSTANCE_ID: 'user-1', ...otel }, file)).to.equal('user-1');
    expect(resolveServiceInstanceId(otel, file)).to.equal('pod-7');
    expect(resolveServiceInstanceId({ OTEL_RESOURCE_ATTRIBUTES: 'a=b' }, file)).to.equal('from-file');
  });

  it('rejects a malformed id naming the key it came from', () => {
    expect(() => resolveServiceInstanceId({ SERVICE_INSTANCE_ID: 'user 1' }, {})).to.throw(ConfigError, /SERVICE_INSTANCE_ID: must be/);
    expect(() => resolveServiceInstanceId({ OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=a,b=c,' }, {})).to.not.throw();
    expect(() => resolveServiceInstanceId({}, { SERVICE_INSTANCE_ID: '-x' })).to.throw(ConfigError, /service_instance_id in config\.yaml/);
  });

  it('is part of the resolved tracing configuration, so the preload validates it at start', () => {
    const c = resolveTracingConfig({ env: { SERVICE_INSTANCE_ID: 'auth-0' }, file: {}, defaultServiceName: 'auth-service' });
    expect(c.serviceInstanceId).to.equal('auth-0');
  });
});
