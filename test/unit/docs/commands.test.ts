import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parseCli } from '../../../bench/cli';
import { parseStartArgs } from '../../../scripts/stack/replicas';
import { projectRoot } from '../../../shared/paths';
import { markedCodeBlocks } from '../../support/readme';

// The commands the docs show, checked against the project as it is: a renamed npm script, a moved
// test file or a changed flag fails here in seconds, not when a reader tries it. (The quick start
// and the generator's block are run for real by test/e2e; this covers every other command.)

const DOCS = ['README.md', 'bench/README.md', ...fs.readdirSync(path.join(projectRoot, 'docs')).map((f) => `docs/${f}`)];
const SCRIPTS = Object.keys((JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
// `npm <run x|test|start> [-- args]`, up to the end of the code span, a comment or a pipe.
const COMMAND = /npm (run ([\w:-]+)|test|start)(?: -- ([^`\n#|)]*))?/g;

/** Every npm command in markdown, with the arguments after `--`; the generator's block is left out (its paths exist only once it has run). */
function commandsIn(markdown: string): Array<{ script: string; args: string[] }> {
  let text = markdown;
  for (const block of markedCodeBlocks(text, '<!-- new-service-test')) text = text.replace(block, '');
  return [...text.matchAll(COMMAND)].map((m) => ({ script: m[2] ?? m[1]!, args: (m[3] ?? '').trim().split(/\s+/).filter(Boolean) }));
}

const isPlaceholder = (arg: string) => /[<>]|^N$/.test(arg);

/** What is wrong with the npm commands of `markdown`: a script that does not exist, a test path that does not, flags that do not parse. */
function problemsIn(markdown: string): string[] {
  const problems: string[] = [];
  for (const { script, args } of commandsIn(markdown)) {
    const shown = `npm ${script} ${args.join(' ')}`.trim();
    if (!SCRIPTS.includes(script)) problems.push(`${shown}: no such npm script`);
    if (args.some(isPlaceholder)) continue;
    if (script === 'test') {
      for (const arg of args.filter((a) => !a.startsWith('-'))) if (!fs.existsSync(path.join(projectRoot, arg))) problems.push(`${shown}: ${arg} does not exist`);
    }
    // The other checkout `--against` names is the reader's own: this one stands in for it.
    const own = args.map((a, i) => (args[i - 1] === '--against' ? projectRoot : a));
    const parse = script === 'start' ? () => parseStartArgs(args) : script === 'bench' ? () => parseCli(own) : undefined;
    try {
      parse?.();
    } catch (err) {
      problems.push(`${shown}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return problems;
}

const read = (doc: string) => fs.readFileSync(path.join(projectRoot, doc), 'utf8');

describe('docs: every npm command they show exists and takes its arguments', () => {
  for (const doc of DOCS) {
    const count = commandsIn(read(doc)).length;
    if (count === 0) continue;
    it(`${doc}: ${count} commands`, () => {
      expect(problemsIn(read(doc))).to.deep.equal([]);
    });
  }

  it('finds the commands it checks (so a change to how docs are written cannot empty it)', () => {
    const all = DOCS.flatMap((doc) => commandsIn(read(doc)));
    expect(all.filter((c) => c.script === 'bench' && c.args.length > 0).length).to.be.at.least(10);
    expect(all.filter((c) => c.script === 'test' && c.args.length > 0).length).to.be.at.least(3);
    expect(all.filter((c) => c.script === 'start' && c.args.length > 0).length).to.be.at.least(3);
  });

  it('fails on a script, a path or a flag that is not there', () => {
    const planted = [
      '```bash',
      'npm run bench:side-by-side',
      'npm test -- test/integration/no-such.test.ts',
      'npm start -- --replica 2',
      'npm run bench -- --confgs off',
      '```',
    ].join('\n');
    const problems = problemsIn(planted);
    expect(problems).to.have.length(4);
    expect(problems[0]).to.include('no such npm script');
    expect(problems[1]).to.include('test/integration/no-such.test.ts does not exist');
    expect(problems[2]).to.include('--replica');
    expect(problems[3]).to.include('--confgs');
  });
});
