import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 11: the folders of src/ show the request path, and imports point one way — cli → server → handler →
 * (archive, site, upload) → respond → pages → fs → http. A module imports from its own folder or from the folders
 * its row names here; anything else (a page reaching for the response, fs reaching for the UI) fails.
 */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['server', 'handler', 'site', 'respond', 'fs', 'http', 'log', 'upload', 'media'],
  echo: ['cli', 'log'],
  server: ['handler', 'respond', 'http', 'fs', 'log'],
  handler: ['archive', 'site', 'respond', 'pages', 'fs', 'http', 'log', 'upload', 'dav', 'media'],
  // WebDAV writes through the uploads' staging, placement and CSRF check (one write path for both).
  dav: ['upload', 'respond', 'fs', 'http', 'log'],
  // Issue 15: ffmpeg and its cache; the handler answers with what it makes (cli reads the quality names).
  media: ['http', 'log'],
  upload: ['respond', 'fs', 'http', 'log'],
  archive: ['respond', 'fs', 'http', 'log'],
  site: ['respond', 'fs', 'http', 'log'],
  respond: ['pages', 'fs', 'http', 'log'],
  pages: ['fs', 'http'],
  fs: ['http'],
  http: [],
};

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : [],
  );
}

/** The top folder of src/ a file is in (`handler`), or its name without `.ts` for a file at the top (`log`). */
const topOf = (file: string): string =>
  path
    .relative(SRC, file)
    .split(path.sep)[0]!
    .replace(/\.[jt]s$/, '');

/** Every relative import in the file (`from '…'`, `import '…'`, `import('…')`), as the top folder it reaches. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets = [...text.matchAll(/(?:from|import)\s*\(?'(\.{1,2}\/[^']+)'/g)].map((m) =>
    path.resolve(path.dirname(file), m[1]!),
  );
  return targets.map(topOf);
}

describe('imports between the folders of src/', () => {
  const files = sourceFiles(SRC).filter((f) => topOf(f) in ALLOWED);

  it('covers every folder of src/', () => {
    const folders = new Set(sourceFiles(SRC).map(topOf));
    for (const top of ['index', 'log']) folders.delete(top);
    expect([...folders].sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('point one way: cli → server → handler → respond / pages → fs → http', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = topOf(file);
      for (const to of importsOf(file))
        if (to !== from && !ALLOWED[from]!.includes(to)) wrong.push(`${path.relative(SRC, file)} → ${to}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keep the response out of the pages: no page module names ServerResponse or res', () => {
    const pages = files.filter((f) => topOf(f) === 'pages');
    expect(pages.length).toBeGreaterThan(5);
    const touching = pages.filter((f) => /ServerResponse|\bres\.(write|end|setHeader)/.test(readFileSync(f, 'utf8')));
    expect(touching.map((f) => path.relative(SRC, f))).toEqual([]);
  });
});
