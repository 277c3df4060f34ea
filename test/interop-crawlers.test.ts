/**
 * Real crawlers and sync tools against a tree of hostile names (issue 13): Debian's rclone (HTTP
 * backend) lists every file once with its size and time, and `wget -r -np` mirrors the tree fetching
 * each file once, with no `?view` / `?download` / `?sort` copies. Needs /usr/bin/rclone and
 * /usr/bin/wget (.ci/run installs them).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.js';

const run = promisify(execFile);

/** Names a crawler must survive: spaces, `%`, `#`, `?`, quotes, `<>&`, unicode (NFC and NFD), emoji. */
const NAMES = [
  'plain.txt',
  'a b.mp4',
  '100%.mp3',
  '50%25 off.txt',
  '#hash.mkv',
  'what?.png',
  'quote"s.jpg',
  "it's.txt",
  '<b>&amp.txt',
  'tom & jerry (1).avi',
  'ünïcødé.srt',
  'NFD-cafe\u0301.vtt',
  '日本語.txt',
  '🎬 movie.mp4',
  'page.html',
  'empty.bin',
];
const FOLDERS = ['', 'sub dir/', 'sub dir/deeper #2/', 'ü & <x>/'];

let root: string;
let srv: Running;
const files: { rel: string; size: number; mtimeMs: number }[] = [];
const seen: string[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'aqua-crawl-'));
  let n = 0;
  for (const folder of FOLDERS) {
    await mkdir(path.join(root, folder), { recursive: true });
    for (const name of NAMES) {
      const rel = folder + name;
      const body = name === 'empty.bin' ? '' : `${rel} `.repeat(++n);
      await writeFile(path.join(root, rel), body);
      const when = new Date(Date.UTC(2024, 0, 1 + n, 12, 0, 0));
      await utimes(path.join(root, rel), when, when);
      files.push({ rel, size: Buffer.byteLength(body), mtimeMs: when.getTime() });
    }
  }
  srv = await start({ root });
  srv.aqua.server.on('request', (req: { method?: string; url?: string }) => seen.push(`${req.method} ${req.url}`));
});

afterAll(async () => {
  await srv?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe.skipIf(!existsSync('/usr/bin/rclone'))('rclone (HTTP backend)', () => {
  it('lists every file once, with its size and modification time', async () => {
    const { stdout } = await run(
      'rclone',
      ['lsf', '-R', '--files-only', '--format', 'pst', '--separator', '\t', '--http-url', `${srv.url}/`, ':http:'],
      { env: { ...process.env, RCLONE_CONFIG: '/dev/null', TZ: 'UTC' }, maxBuffer: 16 * 1024 * 1024 },
    );
    const listed = stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((line) => {
        const [rel, size, time] = line.split('\t') as [string, string, string];
        return { rel: rel.normalize('NFC'), size: Number(size), time };
      });
    const expected = files.map((f) => f.rel.normalize('NFC')).sort();
    expect(listed.map((l) => l.rel).sort()).toEqual(expected);
    for (const f of files) {
      const got = listed.find((l) => l.rel === f.rel.normalize('NFC'));
      expect(got?.size, f.rel).toBe(f.size);
      // rclone prints the time in the zone it runs in: UTC here.
      expect(got?.time, f.rel).toBe(new Date(f.mtimeMs).toISOString().slice(0, 19).replace('T', ' '));
    }
  }, 60_000);
});

describe.skipIf(!existsSync('/usr/bin/wget'))('wget -r -np', () => {
  it('mirrors every file once, no ? files, at most files + 2 x folders requests besides the assets', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'aqua-wget-'));
    try {
      seen.length = 0;
      await run('wget', ['-r', '-np', '-nH', '-q', '-e', 'robots=on', '-P', out, `${srv.url}/`], {
        maxBuffer: 16 * 1024 * 1024,
      }).catch((err: { code?: number }) => {
        if (err.code !== 8) throw err; // 8: some request answered an error (robots.txt 404 counts)
      });
      const saved = await walk(out);
      // Nothing but the files, each folder's listing (index.html) and the pages' assets: no `x?view` copies.
      // wget saves a URL's `%25` as `%` (its local names are unescaped twice); the request was right.
      const localName = (rel: string): string => rel.replaceAll('%25', '%');
      const real = new Set(files.map((f) => localName(f.rel).normalize('NFC')));
      const extra = saved
        .map((p) => p.normalize('NFC'))
        .filter((p) => !real.has(p) && !p.startsWith('.aqua/') && !FOLDERS.includes(p.replace(/index\.html$/, '')));
      expect(extra).toEqual([]);
      for (const f of files) {
        const local = path.join(out, localName(f.rel));
        expect((await stat(local)).size, f.rel).toBe(f.size);
        expect(await readFile(local, 'utf8'), f.rel).toBe(await readFile(path.join(root, f.rel), 'utf8'));
      }
      const gets = seen.filter((s) => s.startsWith('GET '));
      expect(gets).toContain('GET /sub%20dir/50%2525%20off.txt');
      const fileGets = gets.filter((s) => !s.endsWith('/') && !s.includes('/.aqua/') && s !== 'GET /robots.txt');
      expect(new Set(fileGets).size).toBe(fileGets.length); // each file fetched once
      expect(gets.filter((s) => s.includes('?'))).toEqual([]);
      // The pages' stylesheets and scripts are fetched once for the whole mirror, however many they are.
      const assetGets = gets.filter((s) => s.includes('/.aqua/'));
      expect(new Set(assetGets).size).toBe(assetGets.length);
      expect(gets.length - assetGets.length).toBeLessThanOrEqual(files.length + 2 * FOLDERS.length);
      console.log(`wget: ${gets.length} requests for ${files.length} files in ${FOLDERS.length} folders`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});

async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.isDirectory()) out.push(...(await walk(path.join(dir, d.name), `${prefix}${d.name}/`)));
    else out.push(prefix + d.name);
  }
  return out;
}
