import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockCache, FileChangedError, identityKey } from '../../src/fs/cache/blocks.js';
import { tempDir } from '../helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const content = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  await writeFile(path.join(dir, 'f.bin'), content);
});
afterAll(() => cleanup());

describe('BlockCache', () => {
  it('reads aligned blocks, the last one short, and caches them', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 1 << 20 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      const blocks = await Promise.all([0, 1, 2].map((i) => cache.get(fh, id, i, content.length)));
      expect(Buffer.concat(blocks).equals(content)).toBe(true);
      expect(blocks[2].length).toBe(10_000 - 8192);
      expect(cache.size).toBe(10_000);
      expect(cache.peek(id, 1)).toBe(blocks[1]);
    } finally {
      await fh.close();
    }
  });

  it('shares one read among concurrent misses of the same block', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 1 << 20 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      const [a, b, c] = await Promise.all([
        cache.get(fh, id, 0, content.length),
        cache.get(fh, id, 0, content.length),
        cache.get(fh, id, 0, content.length),
      ]);
      expect(a).toBe(b);
      expect(b).toBe(c);
    } finally {
      await fh.close();
    }
  });

  it('evicts the least recently used blocks beyond its budget', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 8192 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      await cache.get(fh, id, 0, content.length);
      await cache.get(fh, id, 1, content.length);
      cache.peek(id, 0); // 0 is now the most recent
      await cache.get(fh, id, 2, content.length);
      expect(cache.size).toBeLessThanOrEqual(8192);
      expect(cache.peek(id, 1)).toBeUndefined();
      expect(cache.peek(id, 0)).toBeDefined();
    } finally {
      await fh.close();
    }
  });

  it('caches nothing with a zero budget, and still reads', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 0 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      const id = identityKey(await fh.stat());
      expect((await cache.get(fh, id, 1, content.length)).equals(content.subarray(4096, 8192))).toBe(true);
      expect(cache.size).toBe(0);
    } finally {
      await fh.close();
    }
  });

  it('throws FileChangedError when the file is shorter than promised', async () => {
    const cache = new BlockCache({ blockSize: 4096, maxBytes: 1 << 20 });
    const fh = await open(path.join(dir, 'f.bin'));
    try {
      await expect(cache.get(fh, 'x', 3, 20_000)).rejects.toBeInstanceOf(FileChangedError);
      expect(cache.size).toBe(0);
    } finally {
      await fh.close();
    }
  });
});
