import { configuredAddress, localHttpUrl } from '../stack/placement';
import { specFor } from '../stack/process-spec';
import type { Plan } from './plan';

/**
 * What `npm run new:service` prints once the service is written: where it listens and where the
 * gateway answers as they are configured now (environment over config.yaml over the default, as
 * `npm start` places them), and the commands to run next.
 */
export function nextSteps(plan: Pick<Plan, 'names' | 'process'>, env: NodeJS.ProcessEnv = process.env): string[] {
  const { name, Name, Entity } = plan.names;
  const service = configuredAddress(plan.process, env);
  const gateway = configuredAddress(specFor('gateway'), env);
  return [
    `${name}.v1.${Name}Service is ready on port ${service.port}, with Create${Entity} and Get${Entity}.`,
    'Next:',
    '  npm start                                  # runs it with the others',
    `  npm test -- test/unit/services/${name} test/integration/${name}.test.ts`,
    `  curl -s -X POST ${localHttpUrl(gateway.host, gateway.port)}/api/v1/${name} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"name":"first"}'`,
    'docs/extending.md says what each file is for, and how to add an RPC or a field.',
  ];
}
