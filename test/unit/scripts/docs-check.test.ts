import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { runDocsCheck } from '../../support/docs-check';

describe('scripts/docs-check.sh: relative links and anchors, offline', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-check-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("passes on the repository's README.md, docs/*.md and bench/README.md", async () => {
    const { code, output } = await runDocsCheck();
    expect(output.trim(), 'findings').to.equal('');
    expect(code).to.equal(0);
  });

  it('fails on a link to a heading that does not exist, naming it, and passes once the heading is there', async () => {
    fs.writeFileSync(path.join(dir, 'other.md'), '# Other\n\n## Moving the stack\n');
    const page = path.join(dir, 'page.md');
    fs.writeFileSync(page, '# Page\n\nSee [ports](other.md#moving-the-stack) and [here](#page) and [gone](other.md#port-in-use).\n');
    const broken = await runDocsCheck(['page.md', 'other.md'], dir);
    expect(broken.code).to.equal(1);
    expect(broken.output).to.include('Cannot find heading for `#port-in-use` in `other.md`');
    expect(broken.output).not.to.include('#moving-the-stack');

    fs.appendFileSync(path.join(dir, 'other.md'), '\n## Port in use\n');
    const fixed = await runDocsCheck(['page.md', 'other.md'], dir);
    expect(fixed.output.trim()).to.equal('');
    expect(fixed.code).to.equal(0);
  });

  it('fails on a link to a file that does not exist', async () => {
    fs.writeFileSync(path.join(dir, 'lost.md'), '# Lost\n\n[setup](docs/setup.md)\n');
    const result = await runDocsCheck(['lost.md'], dir);
    expect(result.code).to.equal(1);
    expect(result.output).to.include('Cannot find file `docs/setup.md`');
  });
});
