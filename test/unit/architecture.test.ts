import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 11: the README's "Architecture" tree matches src/. Every file of src/ is named in the row of its top folder
 * (or at the top, for index.ts and log.ts), and every `.ts` a row names exists in that folder.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : [],
  );
}

/** The tree's rows under `src/`: folder (or top-level file) → the text of its row and its continuation lines. */
function treeRows(): Map<string, string> {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('\n## Architecture'));
  const tree = section.slice(section.indexOf('\nsrc/\n') + 6, section.indexOf('\n```', section.indexOf('\nsrc/\n')));
  const rows = new Map<string, string>();
  let current = '';
  for (const line of tree.split('\n')) {
    const m = /^ {2}(\S+)\s+(.*)$/.exec(line);
    if (m) {
      current = m[1]!.replace(/\/$/, '');
      rows.set(current, m[2]!);
    } else if (/^ {3,}\S/.test(line) && current) rows.set(current, `${rows.get(current)} ${line.trim()}`);
    else if (/^\S/.test(line)) current = '';
  }
  return rows;
}

describe("the README's architecture tree", () => {
  const rows = treeRows();
  const files = sourceFiles(SRC).map((f) => path.relative(SRC, f).split(path.sep));

  it('has a row for every folder of src/ and for the files at its top', () => {
    expect([...rows.keys()].sort()).toEqual([...new Set(files.map((parts) => parts[0]!))].sort());
  });

  it('names every file of src/ in the row of its folder', () => {
    const missing = files
      .filter((parts) => parts.length > 1)
      .filter(
        (parts) => !new RegExp(`(^|[^\\w.-])${parts.at(-1)!.replace(/\./g, '\\.')}\\b`).test(rows.get(parts[0]!) ?? ''),
      )
      .map((parts) => parts.join('/'));
    expect(missing).toEqual([]);
  });

  it('names no file that does not exist', () => {
    const gone: string[] = [];
    for (const [folder, text] of rows) {
      if (folder.endsWith('.ts')) continue;
      const here = new Set(files.filter((parts) => parts[0] === folder).map((parts) => parts.at(-1)));
      for (const m of text.matchAll(/(?<![\w/.-])[\w-]+\.ts\b/g)) if (!here.has(m[0])) gone.push(`${folder}/${m[0]}`);
    }
    expect(gone).toEqual([]);
  });
});
