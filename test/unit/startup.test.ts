import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 18: what a process loads when it starts is what it keeps in memory, in every `--workers` worker. The
 * modules a start loads are those its entry reaches by static imports (`import … from`, not `import type`, not
 * `import()`): this walks them in src/. The primary of `--workers` only parses the flags, forks and supervises, so
 * it must not reach the request path; zod (the aqua.json schema, 6–8 MiB) and markdown-it (README.md pages,
 * about 5 MiB) are loaded when first needed, by no process at start.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** The static imports of a source file: relative ones as the .ts files they name, packages by name. */
function staticImports(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const files: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm)) {
    const target = m[1]!;
    if (target.startsWith('.')) files.push(path.resolve(path.dirname(file), target.replace(/\.js$/, '.ts')));
    else if (!target.startsWith('node:')) packages.push(target.startsWith('@') ? target : target.split('/')[0]!);
  }
  return { files, packages };
}

/** Every module of src/ (relative to it) and every package that `entry` loads by static imports. */
function loadedAtStart(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const queue = [path.join(SRC, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    const name = path.relative(SRC, file);
    if (modules.has(name)) continue;
    modules.add(name);
    const found = staticImports(file);
    queue.push(...found.files);
    for (const p of found.packages) packages.add(p);
  }
  return { modules, packages };
}

describe('what a process loads at start', () => {
  it('finds the imports it follows (the walk itself works)', () => {
    const { modules, packages } = loadedAtStart('server/index.ts');
    expect(modules).toContain('handler/index.ts');
    expect(modules).toContain('respond/send.ts');
    expect(packages).toContain('mime-types');
    expect(loadedAtStart('cli/serve.ts').packages).toContain('commander');
  });

  it('the CLI entry, which the --workers primary runs, reaches neither the server nor the handler', () => {
    const { modules } = loadedAtStart('cli/serve.ts');
    expect(modules).toContain('cli/workers.ts');
    const serving = [...modules].filter((m) => /^(server\/index|handler\/index|respond|dav|fs\/cache)\b/.test(m));
    expect(serving).toEqual([]);
  });

  it('neither the CLI nor the server loads zod or markdown-it', () => {
    for (const entry of ['cli/serve.ts', 'cli/server.ts', 'index.ts']) {
      const { packages } = loadedAtStart(entry);
      expect({ entry, zod: packages.has('zod'), markdown: packages.has('markdown-it') }).toEqual({
        entry,
        zod: false,
        markdown: false,
      });
    }
  });
});
