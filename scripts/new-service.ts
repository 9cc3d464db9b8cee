// `npm run new:service -- <name>`: adds a gRPC service in the shape of the user and auth services
// (contract, generated code, database and migrations, config, handlers, gateway procedures and
// REST routes, tests, and its place in npm start, the Dockerfile, both Compose files and
// deploy/k8s). What it creates and edits: scripts/new-service/plan.ts and docs/extending.md.
import { execFileSync } from 'node:child_process';
import { projectRoot } from '../shared/paths';
import { nextSteps } from './new-service/next-steps';
import { planService, RefusedName, writePlan } from './new-service/plan';

const USAGE = 'usage: npm run new:service -- <name>   (e.g. orders)';

function main(argv: readonly string[]): number {
  if (argv.length !== 1 || argv[0]!.startsWith('-')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let plan;
  try {
    plan = planService(projectRoot, argv[0]!);
  } catch (err) {
    // Nothing is written before the whole plan holds together.
    process.stderr.write(`new:service: ${(err as Error).message}; nothing was changed\n`);
    return err instanceof RefusedName ? 1 : 3;
  }
  writePlan(projectRoot, plan);
  process.stdout.write(`created:\n${plan.create.map((f) => `  ${f.path}`).join('\n')}\nedited:\n${plan.edit.map((f) => `  ${f.path}`).join('\n')}\n`);
  // The generated TypeScript for the new contract (gen/), as `npm run gen` makes it.
  execFileSync('npm', ['run', '--silent', 'gen'], { cwd: projectRoot, stdio: 'inherit' });
  process.stdout.write(`${nextSteps(plan).join('\n')}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
