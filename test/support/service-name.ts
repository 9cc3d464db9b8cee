import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../shared/paths';

/**
 * The name the generator tests give a new service: docs/extending.md's example (`orders`), or,
 * in a repository that has already generated it, the first of a few others it has not.
 */
export function unusedServiceName(): string {
  const name = ['orders', 'widgets', 'parcels', 'tickets'].find((n) => !fs.existsSync(path.join(projectRoot, 'services', n)));
  if (!name) throw new Error('services/ has orders, widgets, parcels and tickets: add a name to test/support/service-name.ts');
  return name;
}
