import { mkdir, mkdtemp, readFile, rm, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveEntryChangedError, type ArchiveEntry, type Span } from '../src/archive/entry.js';
import { CrcCache, FileIo, type ArchiveIo } from '../src/archive/reader.js';
import { planTar, tarSpan } from '../src/archive/tar.js';
import { walkFolder } from '../src/archive/walk.js';
import { planZip, zipSpan } from '../src/archive/zip.js';
import { bsdtarKeeps, FIXTURE_MTIME, hostileTree, pythonZipInfo, run, writeSparse } from './support/archive.js';

let root: string;
let outside: string;
let expected: Map<string, Buffer | null>;
const io = (crcs = new CrcCache()): FileIo => new FileIo({ root, followSymlinks: false, chunkSize: 65536, crcs });

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function walkTop(): Promise<ArchiveEntry[]> {
  return walkFolder(path.join(root, 'tree'), 'tree', {
    root,
    dotfiles: false,
    followSymlinks: false,
    maxEntries: 1000,
  });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'aqua-archive-'));
  outside = await mkdtemp(path.join(os.tmpdir(), 'aqua-outside-'));
  await mkdir(path.join(root, 'tree'));
  expected = await hostileTree(outside, path.join(root, 'tree'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('walkFolder', () => {
  it('lists what the listing lists, depth first in name order, and nothing it hides', async () => {
    const entries = await walkTop();
    const names = entries.map((e) => e.name);
    expect(names[0]).toBe('tree/');
    expect(new Set(names.slice(1))).toEqual(new Set([...expected.keys()].map((n) => `tree/${n}`)));
    expect(names.indexOf('tree/nested/deeper/random.bin')).toBe(names.indexOf('tree/nested/deeper/') + 1);
    for (const hidden of ['.secret', '.git/', 'escape-link.txt', 'dangling-link', 'a-fifo', 'nested/loop/']) {
      expect(names).not.toContain(`tree/${hidden}`);
    }
  });

  it('refuses a folder with more entries than allowed instead of cutting it short', async () => {
    const options = { root, dotfiles: false, followSymlinks: false, maxEntries: 5 };
    await expect(walkFolder(path.join(root, 'tree'), 'tree', options)).rejects.toMatchObject({ status: 403 });
  });

  it('refuses a tree deeper than allowed', async () => {
    const options = { root, dotfiles: false, followSymlinks: false, maxEntries: 1000, maxDepth: 2 };
    await expect(walkFolder(path.join(root, 'tree'), 'tree', options)).rejects.toMatchObject({ status: 403 });
  });
});

describe('ZIP of a hostile tree', () => {
  let file: string;
  let bytes: Buffer;
  beforeAll(async () => {
    const plan = await planZip(await walkTop());
    file = path.join(root, 'tree.zip');
    expect(await writeSparse(file, zipSpan(plan, null, io()))).toBe(plan.size);
    bytes = await readFile(file);
  });

  it('passes unzip -t', async () => {
    const { stdout } = await run('unzip', ['-t', file]);
    expect(stdout).toContain('No errors detected');
  });

  it("reads back in Python's zipfile: every CRC, name (UTF-8), size, time and content", async () => {
    const info = await pythonZipInfo(file);
    expect(info.bad).toBeNull();
    const byName = new Map(info.members.map((m) => [m.name, m]));
    for (const [rel, content] of expected) {
      const member = byName.get(`tree/${rel}`);
      expect(member, rel).toBeDefined();
      if (content === null) continue;
      expect(member?.size).toBe(content.length);
      const { createHash } = await import('node:crypto');
      expect(member?.sha256).toBe(createHash('sha256').update(content).digest('hex'));
      const t = FIXTURE_MTIME;
      expect(member?.time).toEqual([2024, 5, 17, t.getUTCHours(), 20, 30]);
    }
  });

  it('extracts with bsdtar to the same bytes', async () => {
    const out = path.join(root, 'bsdtar-out');
    await mkdir(out);
    await run('bsdtar', ['-xf', file, '-C', out]);
    for (const [rel, content] of expected) {
      if (content !== null && bsdtarKeeps(rel))
        expect(await readFile(path.join(out, 'tree', rel)), rel).toEqual(content);
    }
  });

  // Every kind of boundary: headers, inside file data, descriptors, the central directory, the end record.
  const spans = (size: number): [string, Span][] => [
    ['the first byte', { start: 0, end: 0 }],
    ['the first kilobyte', { start: 0, end: 1023 }],
    ['from inside the big file to the end', { start: 150_000, end: size - 1 }],
    ['the middle third', { start: Math.floor(size / 3), end: Math.floor((2 * size) / 3) }],
    ['the last 100 bytes (directory and end record)', { start: size - 100, end: size - 1 }],
    ['the last byte', { start: size - 1, end: size - 1 }],
    ['everything', { start: 0, end: size - 1 }],
  ];

  it.each(['cold', 'warm'])('gives every span byte-identical to the whole archive (CRC cache %s)', async (cache) => {
    const plan = await planZip(await walkTop());
    const crcs = new CrcCache();
    if (cache === 'warm') await collect(zipSpan(plan, null, io(crcs)));
    for (const [label, span] of spans(plan.size)) {
      const part = await collect(zipSpan(plan, span, io(crcs)));
      expect(part.equals(bytes.subarray(span.start, span.end + 1)), label).toBe(true);
    }
  });

  it('is the same bytes and ETag for the same tree, another ETag when a file changes', async () => {
    const a = await planZip(await walkTop());
    const b = await planZip(await walkTop());
    expect(b.etag).toBe(a.etag);
    await utimes(path.join(root, 'tree', 'empty.bin'), FIXTURE_MTIME, new Date(FIXTURE_MTIME.getTime() + 1000));
    const c = await planZip(await walkTop());
    await utimes(path.join(root, 'tree', 'empty.bin'), FIXTURE_MTIME, FIXTURE_MTIME);
    expect(c.etag).not.toBe(a.etag);
    expect(c.size).toBe(a.size);
  });
});

describe('ZIP64', () => {
  it('a 5 GiB (sparse) file and a member after it: unzip -t, zipfile, bsdtar', { timeout: 600_000 }, async () => {
    const dir = path.join(root, 'big');
    await mkdir(dir);
    await writeFile(path.join(dir, 'big.bin'), 'head');
    await truncate(path.join(dir, 'big.bin'), 5 * 2 ** 30);
    await writeFile(path.join(dir, 'z-after.txt'), 'after the big one\n');
    const entries = await walkFolder(dir, 'big', { root, dotfiles: false, followSymlinks: false, maxEntries: 10 });
    const plan = await planZip(entries);
    const file = path.join(root, 'big.zip');
    try {
      expect(await writeSparse(file, zipSpan(plan, null, io()))).toBe(plan.size);
      expect((await run('unzip', ['-t', file])).stdout).toContain('No errors detected');
      const info = await pythonZipInfo(file);
      expect(info.bad).toBeNull();
      expect(info.members.map((m) => [m.name, m.size])).toEqual([
        ['big/', 0],
        ['big/big.bin', 5 * 2 ** 30],
        ['big/z-after.txt', 18],
      ]);
      const { stdout } = await run('bsdtar', ['-xOf', file, 'big/z-after.txt']);
      expect(stdout).toBe('after the big one\n');
      expect((await run('bsdtar', ['-tvf', file])).stdout).toContain('5368709120');
    } finally {
      await rm(file, { force: true });
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('more than 65,535 members: the ZIP64 end records carry the count', { timeout: 120_000 }, async () => {
    const folders: ArchiveEntry[] = Array.from({ length: 70_000 }, (_, i) => ({
      name: `many/${String(i).padStart(5, '0')}/`,
      type: 'directory',
      size: 0,
      mtimeMs: FIXTURE_MTIME.getTime(),
      abs: '/nonexistent',
    }));
    const noFiles: ArchiveIo = {
      read: () => {
        throw new Error('no file should be read');
      },
      crc: () => Promise.reject(new Error('no file should be read')),
    };
    const plan = await planZip(folders);
    const file = path.join(root, 'many.zip');
    expect(await writeSparse(file, zipSpan(plan, null, noFiles))).toBe(plan.size);
    const script = 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(len(z.infolist()), z.testzip())';
    expect((await run('python3', ['-c', script, file])).stdout.trim()).toBe('70000 None');
    expect((await run('unzip', ['-t', file], { maxBuffer: 64 << 20 })).stdout).toContain('No errors detected');
  });
});

describe('tar of a hostile tree', () => {
  let file: string;
  let bytes: Buffer;
  beforeAll(async () => {
    const plan = await planTar(await walkTop());
    file = path.join(root, 'tree.tar');
    expect(await writeSparse(file, tarSpan(plan, null, io()))).toBe(plan.size);
    bytes = await readFile(file);
  });

  it.each([['bsdtar'], ['tar']])('extracts with %s to the same names and bytes', async (tool) => {
    const out = path.join(root, `${tool}-tar-out`);
    await mkdir(out);
    await run(tool, ['-xf', file, '-C', out]);
    for (const [rel, content] of expected) {
      if (content !== null && (tool === 'tar' || bsdtarKeeps(rel)))
        expect(await readFile(path.join(out, 'tree', rel)), rel).toEqual(content);
    }
    const { stdout } = await run(tool, ['-tf', file]);
    expect(stdout).toContain('tree/empty folder/');
  });

  it('gives every span byte-identical to the whole archive', async () => {
    const plan = await planTar(await walkTop());
    for (const span of [
      { start: 0, end: 0 },
      { start: 511, end: 1536 },
      { start: 150_000, end: plan.size - 1 },
      { start: plan.size - 1, end: plan.size - 1 },
    ]) {
      const part = await collect(tarSpan(plan, span, io()));
      expect(part.equals(bytes.subarray(span.start, span.end + 1))).toBe(true);
    }
  });
});

describe('a file that changes while the archive is read', () => {
  it('throws ArchiveEntryChangedError naming the member: modified, shrunk, vanished, re-pointed', async () => {
    const dir = path.join(root, 'changing');
    await mkdir(dir);
    const cases: [string, () => Promise<void>, string][] = [
      ['modified', () => utimes(path.join(dir, 'f.bin'), new Date(), new Date(Date.now() + 5000)), 'was modified'],
      ['shrunk', () => truncate(path.join(dir, 'f.bin'), 10), 'changed size'],
      ['vanished', () => rm(path.join(dir, 'f.bin')), 'vanished'],
      [
        'replaced by a symlink out of the root',
        async () => {
          await rm(path.join(dir, 'f.bin'));
          await symlink(path.join(outside, 'outside.txt'), path.join(dir, 'f.bin'));
        },
        'now leads outside the root',
      ],
    ];
    for (const [label, change, reason] of cases) {
      await writeFile(path.join(dir, 'f.bin'), Buffer.alloc(300_000, 1));
      const plan = await planZip(
        await walkFolder(dir, 'changing', { root, dotfiles: false, followSymlinks: false, maxEntries: 10 }),
      );
      await change();
      const err = await collect(zipSpan(plan, null, io())).catch((e: unknown) => e);
      expect(err, label).toBeInstanceOf(ArchiveEntryChangedError);
      expect((err as ArchiveEntryChangedError).entry).toBe('changing/f.bin');
      expect((err as ArchiveEntryChangedError).reason).toBe(reason);
    }
  });
});

describe('a name that is not UTF-8 (an old disk)', () => {
  it('goes into the ZIP and the tar as its exact bytes (ZIP: without the UTF-8 flag; tar: hdrcharset=BINARY)', async () => {
    const dir = path.join(root, 'raw');
    await mkdir(dir);
    const rawName = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74]); // "café.txt" in Latin-1
    await writeFile(Buffer.concat([Buffer.from(dir + '/'), rawName]), 'latin-1 name\n');
    try {
      const entries = await walkFolder(dir, 'raw', { root, dotfiles: false, followSymlinks: false, maxEntries: 10 });
      const zip = path.join(root, 'raw.zip');
      await writeSparse(zip, zipSpan(await planZip(entries), null, io()));
      expect((await run('unzip', ['-t', zip])).stdout).toContain('No errors detected');
      const listed = (await run('unzip', ['-Z1', zip], { encoding: 'buffer' })).stdout;
      expect(listed.includes(Buffer.concat([Buffer.from('raw/'), rawName, Buffer.from('\n')]))).toBe(true);
      const tar = path.join(root, 'raw.tar');
      await writeSparse(tar, tarSpan(await planTar(entries), null, io()));
      const names = (await run('tar', ['--quoting-style=literal', '-tf', tar], { encoding: 'buffer' })).stdout;
      expect(names.includes(Buffer.concat([Buffer.from('raw/'), rawName, Buffer.from('\n')]))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
