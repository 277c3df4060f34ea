/**
 * The README's flag tables and each CLI's `--help` name the same flags, both ways (issue 11: a setting
 * documented in one place and missing in the other is a defect). Run against the real CLIs.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const README = fileURLToPath(new URL('../README.md', import.meta.url));
const bin = (name: string): string => fileURLToPath(new URL(`../bin/${name}.js`, import.meta.url));

/** Long flags (`--port`, `--no-index`) named in the option lines of a commander `--help`. */
function helpFlags(help: string): Set<string> {
  const flags = new Set<string>();
  const options = help.slice(help.indexOf('\nOptions:'));
  for (const line of options.split('\n')) {
    const m = /^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)/.exec(line);
    if (m) flags.add(m[1] as string);
  }
  return flags;
}

/** Long flags in the first cells of the flag table that follows `after` in the README. */
function readmeFlags(readme: string, after: RegExp): Set<string> {
  const start = readme.search(after);
  expect(start, `README: ${after}`).toBeGreaterThanOrEqual(0);
  const lines = readme.slice(start).split('\n');
  const first = lines.findIndex((l) => /^\| *flag *\|/i.test(l));
  const flags = new Set<string>();
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cell = line.split('|')[1] ?? '';
    for (const m of cell.matchAll(/--[a-z][a-z0-9-]*/g)) flags.add(m[0]);
  }
  return flags;
}

describe.each([
  ['aqua-serve', /^## Usage|^aqua-serve \[options\] \[root\]/m],
  ['aqua-echo', /^## `aqua-echo`/m],
])('%s: README table and --help', (name, section) => {
  it('name the same flags', async () => {
    const { stdout } = await run(process.execPath, [bin(name), '--help']);
    const help = helpFlags(stdout);
    const readme = readmeFlags(await readFile(README, 'utf8'), section);
    expect(help.size).toBeGreaterThan(5);
    expect([...readme].filter((f) => !help.has(f)).sort(), 'in the README, not in --help').toEqual([]);
    expect([...help].filter((f) => !readme.has(f)).sort(), 'in --help, not in the README').toEqual([]);
  });
});
