import { execFile } from 'node:child_process';
import { mkdir, open, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** Names that break naive servers and archivers: quotes, markup, `%`, `#`, `?`, emoji, NFC and NFD, a newline. */
export const HOSTILE_NAMES = [
  'quote"s.txt',
  "apo'strophe.txt",
  '<tag>&amp;.txt',
  'space name.txt',
  '100%.txt',
  'hash#q?.txt',
  'emoji 🎬.txt',
  'caf\u00e9 NFC.txt',
  'cafe\u0301 NFD.txt',
  'back\\slash.txt',
  'line\nbreak.txt',
  `${'long-'.repeat(40)}.txt`,
];

/** Mtime of every fixture file: a fixed second, so the ZIP's DOS time can be checked exactly. */
export const FIXTURE_MTIME = new Date('2024-05-17T10:20:30Z');

/**
 * A tree with hostile names, an empty file, a symlink to a file beside it, an empty folder, nested folders, and
 * what must stay out of an archive: a dotfile, a dot-folder, a symlink to `outside` (a folder outside the served
 * root), a dangling symlink, a FIFO. Returns the members expected (relative to `dir`, folders ending with `/`) and
 * their contents.
 */
export async function hostileTree(outside: string, dir: string): Promise<Map<string, Buffer | null>> {
  const expected = new Map<string, Buffer | null>();
  const put = async (rel: string, content: Buffer): Promise<void> => {
    await writeFile(path.join(dir, rel), content);
    await utimes(path.join(dir, rel), FIXTURE_MTIME, FIXTURE_MTIME);
    expected.set(rel, content);
  };
  await mkdir(path.join(dir, 'nested', 'deeper'), { recursive: true });
  await mkdir(path.join(dir, 'empty folder'));
  expected.set('empty folder/', null).set('nested/', null).set('nested/deeper/', null);
  for (const [i, name] of HOSTILE_NAMES.entries()) await put(name, Buffer.from(`content of ${i}: ${name}\n`));
  await put('empty.bin', Buffer.alloc(0));
  await put('nested/deeper/random.bin', Buffer.from(Array.from({ length: 200_001 }, (_, i) => (i * 7919) % 251)));
  await put('nested/ünïcödé 名前.txt', Buffer.from('unicode\n'));
  await symlink('space name.txt', path.join(dir, 'link-inside.txt'));
  expected.set('link-inside.txt', expected.get('space name.txt') ?? null);
  await writeFile(path.join(dir, '.secret'), 'hidden');
  await mkdir(path.join(dir, '.git'));
  await writeFile(path.join(dir, '.git', 'config'), 'hidden');
  await writeFile(path.join(outside, 'outside.txt'), 'outside the root');
  await symlink(path.join(outside, 'outside.txt'), path.join(dir, 'escape-link.txt'));
  await symlink(path.join(dir, 'missing'), path.join(dir, 'dangling-link'));
  await symlink('..', path.join(dir, 'nested', 'loop'));
  await run('mkfifo', [path.join(dir, 'a-fifo')]);
  return expected;
}

/** Write the chunks to a file, leaving holes where a whole chunk is zeros (a 5 GiB sparse member stays cheap). */
export async function writeSparse(file: string, chunks: AsyncIterable<Buffer>): Promise<number> {
  const fh = await open(file, 'w');
  let at = 0;
  try {
    for await (const chunk of chunks) {
      if (!isZeros(chunk)) await fh.write(chunk, 0, chunk.length, at);
      at += chunk.length;
    }
    await fh.truncate(at);
  } finally {
    await fh.close();
  }
  return at;
}

const ZEROS = Buffer.alloc(1 << 20);

function isZeros(chunk: Buffer): boolean {
  return chunk.length >= 4096 && chunk.length <= ZEROS.length && chunk.equals(ZEROS.subarray(0, chunk.length));
}

/**
 * Python's `zipfile` on an archive: `testzip()` (reads every member, checks every CRC-32), then name, size, DOS
 * time and (for small members) SHA-256 of each member, as JSON.
 */
export async function pythonZipInfo(
  file: string,
): Promise<{ bad: string | null; members: { name: string; size: number; time: number[]; sha256: string | null }[] }> {
  const script = `
import hashlib, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
out = []
for i in z.infolist():
    digest = hashlib.sha256(z.read(i)).hexdigest() if i.file_size < 1 << 20 else None
    out.append({"name": i.filename, "size": i.file_size, "time": list(i.date_time), "sha256": digest})
print(json.dumps({"bad": bad, "members": out}))
`;
  const { stdout } = await run('python3', ['-c', script, file], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as Awaited<ReturnType<typeof pythonZipInfo>>;
}

/**
 * Whether bsdtar can give this name back as it is: libarchive folds decomposed (NFD) names to NFC when it reads
 * any archive, even one it wrote itself, so an NFD name and its NFC twin land on one path.
 */
export function bsdtarKeeps(name: string): boolean {
  return name.normalize('NFC') === name;
}
