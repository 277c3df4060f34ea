/**
 * Issue 14: search across the library (`?q=`) and the newest media (`?recent`), over real sockets. Names
 * match case- and accent-free, every word; results stream as they are found; the walk is bounded in
 * depth, names and time, and shows nothing a listing would not (dotfiles, symlinks out of the root).
 */
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY_LIMITS } from '../src/handler/search.js';
import { RECENT_LIMITS, SEARCH_LIMITS } from '../src/fs/search.js';
import { request, start, tempDir, type Running } from './helpers.js';

let root: string;
let outside: string;
let cleanups: (() => Promise<void>)[] = [];
let srv: Running;

async function touch(file: string, ageDays = 0): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, 'x');
  const when = new Date(Date.UTC(2026, 0, 1) - ageDays * 86_400_000);
  await utimes(file, when, when);
}

beforeAll(async () => {
  const a = await tempDir('aqua-search-');
  const b = await tempDir('aqua-search-out-');
  cleanups = [a.cleanup, b.cleanup];
  root = a.dir;
  outside = b.dir;
  await touch(path.join(root, 'Films', 'Amélie (2001).mp4'), 30);
  await touch(path.join(root, 'Films', 'The Grand Budapest Hotel (2014).mp4'), 20);
  await touch(path.join(root, 'Films', 'Cafe\u0301 Society (2016).mp4'), 10); // NFD, as macOS writes it
  await touch(path.join(root, 'Series', 'Season 1', 'S01E01 - Pilot.mp4'), 5);
  await touch(path.join(root, 'Series', 'Season 1', 'S01E01 - Pilot.en.vtt'), 5);
  await touch(path.join(root, 'Series', 'Season 2', 'S02E01 - Return.mp4'), 1);
  await touch(path.join(root, 'Music', 'Album', 'Track 01.mp3'), 2);
  await touch(path.join(root, '.hidden', 'Pilot secret.mp4'));
  await touch(path.join(root, 'Films', '.pilot-draft.mp4'));
  await touch(path.join(outside, 'Pilot elsewhere.mp4'));
  await symlink(outside, path.join(root, 'Linked out'));
  await symlink(path.join(outside, 'Pilot elsewhere.mp4'), path.join(root, 'Films', 'Pilot link.mp4'));
  await symlink(path.join(root, 'Films'), path.join(root, 'Series', 'Films again')); // inside: followed
  srv = await start({ root });
}, 60_000);

afterEach(() => {
  LIBRARY_LIMITS.search = SEARCH_LIMITS;
  LIBRARY_LIMITS.recent = RECENT_LIMITS;
});

afterAll(async () => {
  await srv?.close();
  for (const c of cleanups) await c();
});

interface Line {
  name?: string;
  folder?: string;
  url?: string;
  type?: string;
  done?: boolean;
  visited?: number;
  stopped?: string | null;
}

async function search(folder: string, q: string): Promise<Line[]> {
  const res = await request(srv.port, `${folder}?q=${encodeURIComponent(q)}&format=json`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
  const lines = res.body
    .toString()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
  expect(lines.at(-1)?.done).toBe(true);
  return lines;
}

const names = (lines: Line[]): string[] =>
  lines
    .filter((l) => !l.done)
    .map((l) => `${l.folder}${l.name}`)
    .sort();

describe('?q= searches the names below a folder', () => {
  it('ignores case and accents, and every word must match, in any order', async () => {
    expect(names(await search('/', 'amelie'))).toEqual([
      '/Films/Amélie (2001).mp4',
      '/Series/Films again/Amélie (2001).mp4',
    ]);
    expect(names(await search('/Films/', 'AMÉLIE'))).toEqual(['/Films/Amélie (2001).mp4']);
    expect(names(await search('/Films/', 'hotel grand'))).toEqual(['/Films/The Grand Budapest Hotel (2014).mp4']);
    expect(names(await search('/Films/', 'cafe society'))).toEqual(['/Films/Cafe\u0301 Society (2016).mp4']);
    expect(names(await search('/Films/', 'grand amelie'))).toEqual([]);
  });

  it('from the top finds an episode two folders down, with its folder and URL', async () => {
    const lines = await search('/', 'pilot mp4');
    expect(names(lines)).toEqual(['/Series/Season 1/S01E01 - Pilot.mp4']);
    const hit = lines[0];
    expect(hit).toMatchObject({ type: 'file', url: '/Series/Season%201/S01E01%20-%20Pilot.mp4' });
  });

  it('leaves out dotfiles, dot-folders and symlinks that lead out of the root', async () => {
    const all = names(await search('/', 'pilot'));
    expect(all).toEqual(['/Series/Season 1/S01E01 - Pilot.en.vtt', '/Series/Season 1/S01E01 - Pilot.mp4']);
    expect(names(await search('/', 'linked'))).toEqual([]);
  });

  it('with --dotfiles and --follow-symlinks, finds those too', async () => {
    const open = await start({ root, dotfiles: true, followSymlinks: true });
    try {
      const res = await request(open.port, '/?q=pilot&format=json');
      const text = res.body.toString();
      for (const name of ['Pilot secret.mp4', '.pilot-draft.mp4', 'Pilot elsewhere.mp4', 'Pilot link.mp4'])
        expect(text).toContain(JSON.stringify(name));
    } finally {
      await open.close();
    }
  });

  it('is bounded: in depth, in names looked at, and says where it stopped', async () => {
    LIBRARY_LIMITS.search = { ...SEARCH_LIMITS, maxDepth: 1 };
    let lines = await search('/', 'pilot');
    expect(names(lines)).toEqual([]);
    expect(lines.at(-1)?.stopped).toBe('depth');
    LIBRARY_LIMITS.search = { ...SEARCH_LIMITS, maxVisited: 3 };
    lines = await search('/', 's');
    expect(lines.at(-1)).toMatchObject({ visited: 3, stopped: 'entries' });
    LIBRARY_LIMITS.search = { ...SEARCH_LIMITS, maxResults: 2 };
    lines = await search('/', 'e');
    expect(lines.filter((l) => !l.done)).toHaveLength(2);
    expect(lines.at(-1)?.stopped).toBe('results');
    LIBRARY_LIMITS.search = { ...SEARCH_LIMITS, maxMs: -1 };
    lines = await search('/', 'e');
    expect(lines.at(-1)).toMatchObject({ visited: 0, stopped: 'time' });
  });

  it('as a page: each hit links to its viewer and names its folder; a bad query is a 400', async () => {
    const res = await request(srv.port, '/?q=amelie');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const html = res.body.toString();
    expect(html).toContain('href="/Films/Am%C3%A9lie%20%282001%29.mp4?view"');
    expect(html).toContain('in <a href="/Films/">Films</a>');
    expect(html).toContain('value="amelie"');
    const xss = await request(srv.port, `/?q=${encodeURIComponent('"><script>x</script>')}`);
    expect(xss.body.toString()).not.toContain('<script>x');
    expect((await request(srv.port, `/?q=${'a'.repeat(300)}`)).status).toBe(400);
    expect((await request(srv.port, '/Films/Am%C3%A9lie%20(2001).mp4?q=x')).headers['content-type']).toBe('video/mp4');
  });
});

describe('?recent lists the newest media below a folder', () => {
  it('newest first, media only, with their folders; JSON and a page', async () => {
    const res = await request(srv.port, '/?recent&format=json');
    const body = JSON.parse(res.body.toString()) as { entries: Line[]; stopped: string | null };
    const got = body.entries.map((e) => `${e.folder}${e.name}`);
    expect(got.slice(0, 3)).toEqual([
      '/Series/Season 2/S02E01 - Return.mp4',
      '/Music/Album/Track 01.mp3',
      '/Series/Season 1/S01E01 - Pilot.mp4',
    ]);
    expect(got.some((n) => n.endsWith('.vtt'))).toBe(false);
    const page = (await request(srv.port, '/Series/?recent')).body.toString();
    expect(page.indexOf('S02E01')).toBeLessThan(page.indexOf('S01E01'));
    expect(page).toContain('Recently added in Series');
  });

  it('keeps only the newest N', async () => {
    LIBRARY_LIMITS.recent = { ...RECENT_LIMITS, maxResults: 2 };
    const res = await request(srv.port, '/?recent&format=json');
    const body = JSON.parse(res.body.toString()) as { entries: Line[] };
    expect(body.entries.map((e) => e.name)).toEqual(['S02E01 - Return.mp4', 'Track 01.mp3']);
  });
});

describe('sharing a player page', () => {
  it('a server on loopback only shares the address asked for; its QR code is an SVG of the page at t', async () => {
    const page = (await request(srv.port, '/Series/Season%201/S01E01%20-%20Pilot.mp4?view')).body.toString();
    expect(page).toContain(`data-share-origin="http://127.0.0.1:${srv.port}"`);
    const qr = await request(srv.port, '/Series/Season%201/S01E01%20-%20Pilot.mp4?view&format=qr&t=12');
    expect(qr.status).toBe(200);
    expect(qr.headers['content-type']).toBe('image/svg+xml');
    expect(qr.headers['content-security-policy']).toContain('sandbox');
    expect(qr.body.toString()).toMatch(/^<svg [^>]*viewBox/);
    const other = await request(srv.port, '/Series/Season%201/S01E01%20-%20Pilot.mp4?view&format=qr&t=13');
    expect(other.body.equals(qr.body)).toBe(false); // the position is in the code
  });

  it('the last episode of a season links the first of the next one, and back', async () => {
    const last = (await request(srv.port, '/Series/Season%201/S01E01%20-%20Pilot.mp4?view')).body.toString();
    expect(last).toContain('href="/Series/Season%202/S02E01%20-%20Return.mp4?view"');
    const first = (await request(srv.port, '/Series/Season%202/S02E01%20-%20Return.mp4?view')).body.toString();
    expect(first).toContain('rel="prev" href="/Series/Season%201/S01E01%20-%20Pilot.mp4?view"');
    expect(first).toMatch(/<span class="step next disabled"/);
  });
});

describe('a search of a large tree', () => {
  let big: { dir: string; cleanup: () => Promise<void> };
  let bigSrv: Running;
  beforeAll(async () => {
    big = await tempDir('aqua-search-big-');
    for (let f = 0; f < 60; f++) {
      const dir = path.join(big.dir, `folder ${f}`);
      await mkdir(dir);
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          writeFile(path.join(dir, i === 250 ? `Match ${f}.mp4` : `file ${i}.bin`), ''),
        ),
      );
    }
    bigSrv = await start({ root: big.dir });
  }, 120_000);
  afterAll(async () => {
    await bigSrv?.close();
    await big?.cleanup();
  });

  /** The chunks of a raw GET as they arrive, each with its time since the request. */
  async function arrivals(target: string): Promise<{ at: number; text: string }[]> {
    const got: { at: number; text: string }[] = [];
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(bigSrv.port, '127.0.0.1', () =>
        socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      socket.on('data', (chunk: Buffer) => got.push({ at: performance.now() - started, text: chunk.toString() }));
      socket.on('end', resolve);
      socket.on('error', reject);
    });
    return got;
  }

  it('streams: the first hit reaches a raw socket well before the walk ends, and the loop is never held long', async () => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const chunks = await arrivals('/?q=match&format=json');
    delay.disable();
    const all = chunks.map((a) => a.text).join('');
    expect(all).toContain('Transfer-Encoding: chunked');
    expect(all.match(/"name":"Match \d+\.mp4"/g)).toHaveLength(60);
    const first = chunks.findIndex((a) => a.text.includes('"name":"Match'));
    const last = chunks.findIndex((a) => a.text.includes('"done":true'));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(last).toBeGreaterThan(first);
    const firstAt = chunks[first]!.at;
    const doneAt = chunks[last]!.at;
    const loop = `loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`;
    console.log(`30,000 files: first hit at ${firstAt.toFixed(0)} ms, done at ${doneAt.toFixed(0)} ms; ${loop}`);
    expect(firstAt).toBeLessThan(doneAt / 2);
    expect(delay.percentile(99) / 1e6).toBeLessThan(60);
  }, 60_000);

  it('the HTML page streams too: its head and first hits come before the tally', async () => {
    const chunks = await arrivals('/?q=match');
    const head = chunks.findIndex((a) => a.text.includes('<ol class="results"'));
    const hit = chunks.findIndex((a) => a.text.includes('<li class="hit'));
    const done = chunks.findIndex((a) => a.text.includes('data-done'));
    expect(head).toBeGreaterThanOrEqual(0);
    expect(hit).toBeGreaterThanOrEqual(head);
    expect(done).toBeGreaterThan(hit);
    expect(
      chunks
        .map((a) => a.text)
        .join('')
        .match(/<li class="hit/g),
    ).toHaveLength(60);
  }, 60_000);
});
