import type { Stats } from 'node:fs';
import { mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockCache } from '../src/fs/cache/blocks.js';
import { compressBuffer, compressedFile } from '../src/site/compress.js';
import {
  chooseEncoding,
  encodedETag,
  isCompressible,
  SiblingIndex,
  type EncodingInput,
  type Sibling,
} from '../src/site/encoding.js';
import { tempDir } from './helpers.js';

const JS = 'text/javascript; charset=utf-8';
const sibling = (coding: Sibling['coding']): Sibling => ({ coding, abs: `/x/app.js.${coding}`, stat: {} as Stats });
const base: EncodingInput = {
  contentType: JS,
  size: 30_000,
  acceptEncoding: 'gzip, deflate, br, zstd',
  ranged: false,
  enabled: true,
  siblings: [],
};

describe('chooseEncoding', () => {
  // [what differs from a browser's request for a 30 kB script, the expected choice]
  const rows: [string, Partial<EncodingInput>, unknown][] = [
    ['browser', {}, { kind: 'compress', coding: 'br' }],
    ['gzip only', { acceptEncoding: 'gzip' }, { kind: 'compress', coding: 'gzip' }],
    ['no header', { acceptEncoding: undefined }, { kind: 'identity', vary: true }],
    ['identity;q=0, small file', { acceptEncoding: 'identity;q=0', size: 100 }, { kind: 'none-acceptable' }],
    ['identity;q=0 with gzip', { acceptEncoding: 'identity;q=0, gzip' }, { kind: 'compress', coding: 'gzip' }],
    ['*;q=0', { acceptEncoding: '*;q=0' }, { kind: 'none-acceptable' }],
    ['unknown codings only', { acceptEncoding: 'compress, deflate' }, { kind: 'identity', vary: true }],
    ['zstd only, no sibling', { acceptEncoding: 'zstd' }, { kind: 'identity', vary: true }],
    ['below 1 KiB', { size: 1023 }, { kind: 'identity', vary: true }],
    ['Range', { ranged: true }, { kind: 'identity', vary: true }],
    ['--no-compress', { enabled: false }, { kind: 'identity', vary: false }],
    ['video', { contentType: 'video/mp4' }, { kind: 'identity', vary: false }],
    ['zip', { contentType: 'application/zip' }, { kind: 'identity', vary: false }],
    ['png', { contentType: 'image/png' }, { kind: 'identity', vary: false }],
    ['br sibling', { siblings: [sibling('br')] }, { kind: 'sibling', sibling: sibling('br') }],
    [
      'zstd sibling for a zstd client',
      { acceptEncoding: 'zstd, gzip', siblings: [sibling('zstd'), sibling('gzip')] },
      { kind: 'sibling', sibling: sibling('zstd') },
    ],
    [
      'gz sibling with Range',
      { ranged: true, acceptEncoding: 'gzip', siblings: [sibling('gzip')] },
      { kind: 'sibling', sibling: sibling('gzip') },
    ],
    [
      'gz sibling for a small file',
      { size: 10, acceptEncoding: 'gzip', siblings: [sibling('gzip')] },
      { kind: 'sibling', sibling: sibling('gzip') },
    ],
  ];
  it.each(rows)('%s', (_name, change, expected) => {
    expect(chooseEncoding({ ...base, ...change })).toEqual(expected);
  });

  it.each([
    ['text/html; charset=utf-8', true],
    ['text/css', true],
    ['application/json', true],
    ['application/wasm', true],
    ['image/svg+xml', true],
    ['application/vnd.api+json', true],
    ['application/atom+xml', true],
    ['video/webm', false],
    ['audio/mpeg', false],
    ['image/jpeg', false],
    ['application/gzip', false],
    ['application/octet-stream', false],
  ])('isCompressible(%s) = %s', (type, expected) => {
    expect(isCompressible(type)).toBe(expected);
  });

  it('gives each coding its own ETag', () => {
    expect(encodedETag('"75a-18f"', 'br', true)).toBe('W/"75a-18f-br"');
    expect(encodedETag('"75a-18f"', 'gzip', false)).toBe('"75a-18f-gzip"');
  });
});

describe('compression', () => {
  const text = Buffer.from('export const answer = 42;\n'.repeat(2000));
  it('round-trips brotli and gzip', async () => {
    expect(brotliDecompressSync(await compressBuffer(text, 'br')).equals(text)).toBe(true);
    expect(gunzipSync(await compressBuffer(text, 'gzip')).equals(text)).toBe(true);
  });

  it('compresses a file version once and keeps it in the block budget', async () => {
    const blocks = new BlockCache({ blockSize: 65536, maxBytes: 1 << 20 });
    const identity = { dev: 1, ino: 2, size: text.length, mtimeMs: 3, ctimeMs: 4 };
    let reads = 0;
    const read = async (): Promise<Buffer> => (reads++, text);
    const [a, b] = await Promise.all([
      compressedFile(blocks, identity, 'br', read),
      compressedFile(blocks, identity, 'br', read),
    ]);
    await compressedFile(blocks, identity, 'br', read);
    expect(reads).toBe(1);
    expect(a).toBe(b);
    expect(blocks.size).toBe(a.length);
    await compressedFile(blocks, { ...identity, mtimeMs: 5 }, 'br', read);
    expect(reads).toBe(2);
  });

  it('does not keep anything with a zero budget', async () => {
    const blocks = new BlockCache({ blockSize: 65536, maxBytes: 0 });
    const identity = { dev: 1, ino: 2, size: text.length, mtimeMs: 3, ctimeMs: 4 };
    await compressedFile(blocks, identity, 'gzip', async () => text);
    expect(blocks.size).toBe(0);
  });
});

describe('SiblingIndex', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await mkdir(path.join(dir, 'out'));
    await writeFile(path.join(dir, 'app.js'), 'x');
    await writeFile(path.join(dir, 'app.js.br'), 'b');
    await writeFile(path.join(dir, 'app.js.gz'), 'g');
    await writeFile(path.join(dir, 'out', 'secret'), 's');
    await symlink(path.join(dir, 'out', 'secret'), path.join(dir, 'app.js.zst'));
    await writeFile(path.join(dir, 'old.css'), 'x');
    await writeFile(path.join(dir, 'old.css.br'), 'b');
    await utimes(path.join(dir, 'old.css.br'), 1000, 1000);
  });
  afterAll(() => cleanup());

  it('finds regular, fresh siblings; ignores symlinks and stale ones', async () => {
    const index = new SiblingIndex();
    const { stat } = await import('node:fs/promises');
    const found = await index.find(path.join(dir, 'app.js'), await stat(path.join(dir, 'app.js')));
    expect(found.map((s) => s.coding)).toEqual(['br', 'gzip']);
    expect(await index.find(path.join(dir, 'old.css'), await stat(path.join(dir, 'old.css')))).toEqual([]);
  });

  it('remembers a lookup until told to forget it', async () => {
    const index = new SiblingIndex();
    const { stat } = await import('node:fs/promises');
    const file = path.join(dir, 'app.js');
    const st = await stat(file);
    expect(await index.find(file, st)).toHaveLength(2);
    await rm(path.join(dir, 'app.js.gz'));
    expect(await index.find(file, st)).toHaveLength(2);
    index.forget(file);
    expect(await index.find(file, st)).toHaveLength(1);
  });
});
