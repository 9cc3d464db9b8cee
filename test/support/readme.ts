import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../shared/paths';

/** The line before a README code block that a test runs as it is (text may follow the marker). */
export const QUICK_START_MARKER = '<!-- quick-start-test';

/**
 * The code of every fenced block in `markdown` whose opening fence follows a line starting with
 * `marker` (blank lines between allowed), in document order. A marker with no block after it
 * throws, so a README edit cannot silently leave a block untested.
 */
export function markedCodeBlocks(markdown: string, marker = QUICK_START_MARKER): string[] {
  const lines = markdown.split('\n');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith(marker)) continue;
    let open = i + 1;
    while (open < lines.length && lines[open]!.trim() === '') open++;
    const fence = /^(`{3,}|~{3,})/.exec(lines[open] ?? '')?.[1];
    if (!fence) throw new Error(`line ${i + 1}: "${marker}" is not followed by a fenced code block`);
    const close = lines.findIndex((l, j) => j > open && l.startsWith(fence));
    if (close < 0) throw new Error(`line ${open + 1}: the code block never closes`);
    blocks.push(lines.slice(open + 1, close).join('\n'));
    i = close;
  }
  return blocks;
}

/** The README's marked blocks (see {@link markedCodeBlocks}). */
export function readmeQuickStartBlocks(): string[] {
  return markedCodeBlocks(fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8'));
}
