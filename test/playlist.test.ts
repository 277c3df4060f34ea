/**
 * `?format=m3u` (issue 13): a folder's video and audio as an extended M3U playlist that VLC, mpv and
 * Kodi open directly. Over a real socket: the playlist's shape line by line, absolute URLs built from
 * the Host the client used, subtitles as VLC's `sub-file` option, and every URL in it fetched back to
 * the exact bytes of its file — also for names a playlist line could break on.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, start, tempDir, type Running } from './helpers.js';

/** Media names in the folder, with the bytes each holds; listing order is by name. */
const MEDIA: [string, string][] = [
  ['#hash & more.mkv', 'mkv bytes'],
  ['100% pure.mp3', 'mp3 bytes'],
  ['S01E01 - Pilot.mp4', 'pilot bytes'],
  ['S01E02 - Second.mp4', 'second bytes'],
  ['line\nbreak.webm', 'webm bytes'],
  ['🎬 trailer.mov', 'mov bytes'],
];
/** Not media, hidden or folders: never in the playlist. */
const OTHERS = ['notes.txt', 'poster.jpg', '.secret.mp4', 'S01E01 - Pilot.en.srt', 'S01E02 - Second.vtt'];

let dir: string;
let cleanup: () => Promise<void>;
let srv: Running;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('aqua-m3u-'));
  const folder = path.join(dir, 'Series A');
  await mkdir(path.join(folder, 'Extras'), { recursive: true });
  await writeFile(path.join(folder, 'Extras', 'bonus.mp4'), 'bonus');
  for (const [name, body] of MEDIA) await writeFile(path.join(folder, name), body);
  for (const name of OTHERS) await writeFile(path.join(folder, name), `${name} bytes`);
  srv = await start({ root: dir });
});

afterAll(async () => {
  await srv?.close();
  await cleanup?.();
});

/** The playlist's entries: title, options (`#EXTVLCOPT`) and URL, checking the structure on the way. */
function parseM3u(text: string): { title: string; options: string[]; url: string }[] {
  const lines = text.split('\n');
  expect(lines[0]).toBe('#EXTM3U');
  expect(lines.at(-1)).toBe(''); // ends with a line break
  const entries: { title: string; options: string[]; url: string }[] = [];
  for (let i = 1; i < lines.length - 1;) {
    const info = /^#EXTINF:-1,(.*)$/.exec(lines[i++] ?? '');
    expect(info, `line ${i} should be #EXTINF`).not.toBeNull();
    const options: string[] = [];
    while (lines[i]?.startsWith('#EXTVLCOPT:')) options.push((lines[i++] as string).slice('#EXTVLCOPT:'.length));
    const url = lines[i++] as string;
    expect(url).toMatch(/^http:\/\//);
    entries.push({ title: (info as RegExpExecArray)[1] as string, options, url });
  }
  return entries;
}

describe('?format=m3u', () => {
  it('is an extended M3U of the media only, titled, as a download named after the folder', async () => {
    const reply = await request(srv.port, '/Series%20A/?format=m3u', { headers: { host: `127.0.0.1:${srv.port}` } });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('audio/x-mpegurl; charset=utf-8');
    expect(reply.headers['content-disposition']).toMatch(/^attachment; filename="Series A\.m3u"/);
    const entries = parseM3u(reply.body.toString('utf8'));
    expect(entries.map((e) => e.title).sort()).toEqual(
      ['#hash & more', '100% pure', 'S01E01 - Pilot', 'S01E02 - Second', 'line break', '🎬 trailer'].sort(),
    );
  });

  it('has absolute URLs on the host the client used, each fetching exactly its file', async () => {
    const host = `localhost:${srv.port}`;
    const reply = await request(srv.port, '/Series%20A/?format=m3u', { headers: { host } });
    const entries = parseM3u(reply.body.toString('utf8'));
    const fetched = new Map<string, string>();
    for (const { url } of entries) {
      const u = new URL(url);
      expect(u.host).toBe(host);
      expect(u.search).toBe(''); // the file's own URL: no ?view, no ?download
      const file = await request(srv.port, u.pathname);
      expect(file.status).toBe(200);
      fetched.set(decodeURIComponent(u.pathname.slice('/Series%20A/'.length)), file.body.toString());
    }
    expect(Object.fromEntries(fetched)).toEqual(Object.fromEntries(MEDIA));
  });

  it("gives each video its subtitles next to it as VLC's sub-file option, fetching the subtitle", async () => {
    const reply = await request(srv.port, '/Series%20A/?format=m3u');
    const entries = parseM3u(reply.body.toString('utf8'));
    const byTitle = new Map(entries.map((e) => [e.title, e]));
    for (const [title, sub] of [
      ['S01E01 - Pilot', 'S01E01 - Pilot.en.srt'],
      ['S01E02 - Second', 'S01E02 - Second.vtt'],
    ] as const) {
      const options = byTitle.get(title)?.options ?? [];
      expect(options).toHaveLength(1);
      const url = new URL((options[0] as string).replace(/^sub-file=/, ''));
      expect(decodeURIComponent(url.pathname)).toBe(`/Series A/${sub}`);
      expect((await request(srv.port, url.pathname)).body.toString()).toBe(`${sub} bytes`);
    }
    expect(byTitle.get('100% pure')?.options).toEqual([]);
  });

  it('answers HEAD without a body, and an empty playlist for a folder without media', async () => {
    const head = await request(srv.port, '/Series%20A/?format=m3u', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('audio/x-mpegurl; charset=utf-8');
    expect(head.body.length).toBe(0);
    await mkdir(path.join(dir, 'empty'), { recursive: true });
    const empty = await request(srv.port, '/empty/?format=m3u');
    expect(empty.status).toBe(200);
    expect(empty.body.toString()).toBe('#EXTM3U\n');
  });
});
