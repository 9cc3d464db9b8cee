import { expect } from 'chai';
import { callerTarget, parseStartArgs, planInstances, replicaPort, type ServicePlacement } from '../../../../scripts/stack/replicas';

const SERVICES: ServicePlacement[] = [
  { name: 'auth', hostEnv: 'AUTH_SERVICE_HOST', portEnv: 'AUTH_SERVICE_PORT', host: '127.0.0.1', port: 50052, calls: [] },
  { name: 'user', hostEnv: 'USER_SERVICE_HOST', portEnv: 'USER_SERVICE_PORT', host: '127.0.0.1', port: 50051, calls: ['auth'] },
  { name: 'gateway', hostEnv: 'GATEWAY_HOST', portEnv: 'GATEWAY_PORT', host: '127.0.0.1', port: 8080, calls: ['auth', 'user'] },
];

describe('launcher replicas (scripts/stack/replicas.ts)', () => {
  it('reads --replicas N and --replicas=N, 1 without it', () => {
    expect(parseStartArgs([])).to.deep.equal({ replicas: 1, collector: false });
    expect(parseStartArgs(['--replicas', '3'])).to.deep.equal({ replicas: 3, collector: false });
    expect(parseStartArgs(['--replicas=2', '--collector'])).to.deep.equal({ replicas: 2, collector: true });
    expect(parseStartArgs(['--collector'])).to.deep.equal({ replicas: 1, collector: true });
  });

  it('reads --collector N and --collector=N as N samplers; plain --collector stays one collector', () => {
    expect(parseStartArgs(['--collector', '2'])).to.deep.equal({ replicas: 1, collector: true, samplers: 2 });
    expect(parseStartArgs(['--collector=3', '--replicas', '2'])).to.deep.equal({ replicas: 2, collector: true, samplers: 3 });
    expect(parseStartArgs(['--collector', '1'])).to.deep.equal({ replicas: 1, collector: true, samplers: 1 });
    expect(parseStartArgs(['--collector', '--replicas', '2'])).to.deep.equal({ replicas: 2, collector: true });
  });

  for (const argv of [['--collector', '0'], ['--collector', '-1'], ['--collector', 'two'], ['--collector=11'], ['--collector', '1.5'], ['--collector=']]) {
    it(`rejects ${argv.join(' ')} naming the flag`, () => {
      expect(() => parseStartArgs(argv)).to.throw(/--collector: the number of samplers must be a whole number from 1 to 10, got "/);
    });
  }

  for (const argv of [['--replicas'], ['--replicas', '0'], ['--replicas', 'two'], ['--replicas=11'], ['--replicas', '1.5']]) {
    it(`rejects ${argv.join(' ')} naming the flag`, () => {
      expect(() => parseStartArgs(argv)).to.throw(/--replicas: must be a whole number from 1 to 10/);
    });
  }

  it('rejects an unknown argument with the usage', () => {
    expect(() => parseStartArgs(['--replica', '2'])).to.throw(/unknown argument "--replica"; usage: npm start \[-- --replicas N\] \[--collector \[N\]\]/);
  });

  it('puts instance i on the configured port + 100 x i, and refuses a port beyond 65535', () => {
    expect([0, 1, 2].map((i) => replicaPort(50051, i))).to.deep.equal([50051, 50151, 50251]);
    expect(() => replicaPort(65500, 1)).to.throw(/beyond 65535/);
  });

  it('plans 2 + 2 instances and one gateway, in start order, each caller given every instance it calls', () => {
    const plans = planInstances(2, SERVICES);
    expect(plans.map((p) => p.label)).to.deep.equal(['auth-0', 'auth-1', 'user-0', 'user-1', 'gateway']);
    const auth = 'ipv4:127.0.0.1:50052,127.0.0.1:50152';
    const user = 'ipv4:127.0.0.1:50051,127.0.0.1:50151';
    expect(plans[1]!.env).to.deep.equal({ AUTH_SERVICE_PORT: '50152', SERVICE_INSTANCE_ID: 'auth-1' });
    expect(plans[3]!.env).to.deep.equal({ USER_SERVICE_PORT: '50151', SERVICE_INSTANCE_ID: 'user-1', AUTH_SERVICE_URL: auth });
    expect(plans[4]!.env).to.deep.equal({ GATEWAY_PORT: '8080', SERVICE_INSTANCE_ID: 'gateway-0', AUTH_SERVICE_URL: auth, USER_SERVICE_URL: user });
  });

  it('plans today\'s three processes for one replica, with plain host:port targets', () => {
    const plans = planInstances(1, SERVICES);
    expect(plans.map((p) => p.label)).to.deep.equal(['auth', 'user', 'gateway']);
    expect(plans[2]!.env).to.include({ AUTH_SERVICE_URL: '127.0.0.1:50052', USER_SERVICE_URL: '127.0.0.1:50051' });
  });

  it('reaches a wildcard bind on loopback, and refuses several instances on a host name', () => {
    expect(callerTarget('0.0.0.0', [1, 2])).to.equal('ipv4:127.0.0.1:1,127.0.0.1:2');
    expect(callerTarget('::', [1, 2])).to.equal('ipv6:[::1]:1,[::1]:2');
    expect(callerTarget('localhost', [1])).to.equal('localhost:1');
    expect(() => callerTarget('localhost', [1, 2])).to.throw(/need an IP address/);
  });

  it('refuses port 0 for a replicated service: callers could not be told where it is', () => {
    expect(() => planInstances(2, [{ ...SERVICES[0]!, port: 0 }])).to.throw(/AUTH_SERVICE_PORT is 0/);
  });
});
