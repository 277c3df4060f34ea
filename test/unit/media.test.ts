/**
 * Issue 15's pure pieces, row by row: the media queries, ffprobe's JSON, codec strings, segment plans and
 * playlists, the argument arrays (whitelists, no shell), the job queue, and the disk cache (identity keys,
 * one make for many callers, abort when all leave, the size bound, the sweep on start).
 */
import { mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  imageThumbArgs,
  remuxSegmentArgs,
  subtitleArgs,
  transcodeSegmentArgs,
  videoThumbArgs,
} from '../../src/media/args.js';
import { MediaCache, sourceKey, defaultCacheDir, type SourceFile } from '../../src/media/cache.js';
import { fixedSegments, keyframeSegments, parseKeyframes, playlistText } from '../../src/media/hls.js';
import { avcCodec, directType, parseProbe, remuxType, type MediaInfo } from '../../src/media/probe.js';
import { parseMediaQuery } from '../../src/media/query.js';
import { JobQueue, QueueFull } from '../../src/media/queue.js';
import { findTools } from '../../src/media/tools.js';

const q = (s: string): ReturnType<typeof parseMediaQuery> => parseMediaQuery(new URLSearchParams(s));

describe('media queries', () => {
  it.each([
    ['thumb', { kind: 'thumb', versioned: false }],
    ['thumb&v=12', { kind: 'thumb', versioned: true }],
    ['media', { kind: 'info' }],
    ['hls=remux', { kind: 'playlist', mode: 'remux' }],
    ['hls=transcode&seg=12', { kind: 'segment', mode: 'transcode', index: 12 }],
    ['hls=transcode&seg=012', { kind: 'invalid' }],
    ['hls=transcode&seg=-1', { kind: 'invalid' }],
    ['hls=transcode&seg=1e3', { kind: 'invalid' }],
    ['hls=../../etc', { kind: 'invalid' }],
    ['sub=3', { kind: 'subtitle', stream: 3 }],
    ['sub=x', { kind: 'invalid' }],
    ['view', null],
    ['', null],
  ])('?%s', (query, expected) => expect(q(query)).toEqual(expected));
});

const probeJson = (streams: object[], format = 'matroska,webm'): string =>
  JSON.stringify({ streams, format: { format_name: format, duration: '10.5', start_time: '0.021' } });

describe('ffprobe JSON', () => {
  const h264 = {
    index: 0,
    codec_type: 'video',
    codec_name: 'h264',
    profile: 'High',
    level: 31,
    width: 1280,
    height: 720,
  };
  const ac3 = { index: 1, codec_type: 'audio', codec_name: 'ac3', channels: 6 };
  const srt = { index: 2, codec_type: 'subtitle', codec_name: 'subrip', tags: { language: 'eng', title: 'English' } };
  const pgs = { index: 3, codec_type: 'subtitle', codec_name: 'hdmv_pgs_subtitle' };
  const cover = {
    index: 4,
    codec_type: 'video',
    codec_name: 'mjpeg',
    width: 600,
    height: 600,
    disposition: { attached_pic: 1 },
  };

  it('keeps the first real video, the first audio and the text subtitles', () => {
    const info = parseProbe(probeJson([cover, h264, ac3, srt, pgs]))!;
    expect(info.duration).toBe(10.5);
    expect(info.startTime).toBeCloseTo(0.021);
    expect(info.video?.index).toBe(0);
    expect(info.audio).toEqual({ index: 1, codec: 'ac3', channels: 6 });
    expect(info.subtitles).toEqual([{ index: 2, codec: 'subrip', lang: 'eng', title: 'English' }]);
  });

  it.each(['', 'not json', '{}', '{"streams":[{"codec_type":"data"}]}'])('%j: null', (json) =>
    expect(parseProbe(json)).toBeNull(),
  );

  it('codec strings: remux only H.264; direct only WebM codecs in Matroska', () => {
    const info = parseProbe(probeJson([h264, ac3]))!;
    expect(avcCodec(info.video!)).toBe('avc1.64001f');
    expect(remuxType(info)).toBe('video/mp4; codecs="avc1.64001f,mp4a.40.2"');
    expect(directType(info)).toBeNull();
    const hevc = parseProbe(probeJson([{ ...h264, codec_name: 'hevc', profile: 'Main' }, ac3]))!;
    expect(remuxType(hevc)).toBeNull();
    const vp9 = parseProbe(
      probeJson([
        { ...h264, codec_name: 'vp9' },
        { ...ac3, codec_name: 'opus' },
      ]),
    )!;
    expect(directType(vp9)).toBe('video/webm; codecs="vp9,opus"');
    const baseline = { ...h264, profile: 'Constrained Baseline', level: 13 };
    expect(avcCodec(parseProbe(probeJson([baseline]))!.video!)).toBe('avc1.42e00d');
  });
});

describe('segment plans and playlists', () => {
  it('fixed: every 4 s, the last shorter', () => {
    expect(fixedSegments(10)).toEqual([
      { start: 0, duration: 4 },
      { start: 4, duration: 4 },
      { start: 8, duration: 2 },
    ]);
    expect(fixedSegments(8)).toHaveLength(2);
  });

  it('key frames: from one key frame to the next at least 4 s on', () => {
    expect(keyframeSegments([0, 2, 4.2, 6, 8.5, 9], 10)).toEqual([
      { start: 0, duration: 4.2 },
      { start: 4.2, duration: 4.3 },
      { start: 8.5, duration: 1.5 },
    ]);
    expect(keyframeSegments([], 10)).toBeNull();
    expect(keyframeSegments([3, 7], 10)).toBeNull(); // nothing to start from at 0
  });

  it('key frames from ffprobe CSV, relative to the start time', () => {
    expect(parseKeyframes('1.400000,K__\n1.440000,___\n3.400000,K_\nN/A,K__\n', 1.4)).toEqual([0, 2]);
  });

  it('a VOD playlist with every segment and an end', () => {
    const text = playlistText(fixedSegments(6), (i) => `./a%20b.mkv?hls=transcode&seg=${i}`);
    expect(text.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXTINF:4.000,',
      './a%20b.mkv?hls=transcode&seg=0',
      '#EXTINF:2.000,',
      './a%20b.mkv?hls=transcode&seg=1',
      '#EXT-X-ENDLIST',
      '',
    ]);
  });
});

describe('argument arrays', () => {
  const info: MediaInfo = {
    format: 'matroska,webm',
    duration: 10,
    startTime: 0,
    video: { index: 0, codec: 'h264', profile: 'High', level: 31, width: 1280, height: 720 },
    audio: { index: 1, codec: 'ac3', channels: 6 },
    subtitles: [],
  };
  const abs = '/srv/-film;$(rm -rf ~).mkv';
  const all = [
    remuxSegmentArgs(abs, info, { start: 4, duration: 4 }, '/c/o.tmp'),
    transcodeSegmentArgs(abs, info, { start: 4, duration: 4 }, 'medium', '/c/o.tmp'),
    subtitleArgs(abs, 2, '/c/o.tmp'),
    videoThumbArgs(abs, 1, '/c/o.tmp'),
    imageThumbArgs('/srv/p%d.jpg', '/c/o.tmp'),
  ];

  it('name the input as file:<path>, one argument, with only the file and pipe protocols', () => {
    for (const args of all) {
      const input = args[args.indexOf('-i') + 1]!;
      expect(input.startsWith('file:/srv/')).toBe(true);
      expect(args[args.indexOf('-protocol_whitelist') + 1]).toBe('file,pipe');
      expect(args).toContain('-nostdin');
    }
  });

  it('limit the demuxers: no playlist, no concat list, no image sequence', () => {
    for (const args of all.slice(0, 4)) {
      const list = args[args.indexOf('-format_whitelist') + 1]!;
      expect(list).not.toMatch(/hls|concat|image2|lavfi/);
    }
    const image = all[4]!;
    expect(image.slice(image.indexOf('-f'), image.indexOf('-f') + 4)).toEqual([
      '-f',
      'image2',
      '-pattern_type',
      'none',
    ]);
  });

  it('remux copies the video and makes AC3 AAC; transcode encodes H.264 with a key frame first', () => {
    expect(all[0]).toEqual(expect.arrayContaining(['-c:v', 'copy', '-c:a', 'aac']));
    expect(all[1]).toEqual(expect.arrayContaining(['libx264', 'veryfast', 'expr:eq(n,0)']));
  });
});

describe('finding the tools', () => {
  it('a missing ffmpeg, or a PATH without it, finds nothing', () => {
    expect(findTools('/nonexistent/ffmpeg', '')).toBeNull();
    expect(findTools(true, '/nonexistent:relative/bin')).toBeNull();
  });
});

describe('JobQueue', () => {
  it('runs at most `limit` at once, refuses past `maxWaiting`, and forgets a waiter that aborts', async () => {
    const queue = new JobQueue(1, 1);
    let release!: () => void;
    const first = queue.run(() => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    let ran = false;
    const second = queue.run(async () => {
      ran = true;
    }, controller.signal);
    await expect(queue.run(async () => {})).rejects.toBeInstanceOf(QueueFull);
    expect(queue.running).toBe(1);
    expect(queue.waiting).toBe(1);
    controller.abort(new Error('gone'));
    await expect(second).rejects.toThrow('gone');
    expect(queue.waiting).toBe(0);
    const third = queue.run(async () => 3);
    release();
    await first;
    expect(await third).toBe(3);
    expect(ran).toBe(false);
    expect(queue.running).toBe(0);
  });
});

describe('MediaCache', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  async function setup(maxBytes = 1 << 20): Promise<{ cache: MediaCache; source: SourceFile; dir: string }> {
    const dir = path.join(os.tmpdir(), `aqua-mcache-${process.pid}-${Math.random().toString(36).slice(2)}`);
    dirs.push(dir);
    await mkdir(path.join(dir, 'root'), { recursive: true });
    const file = path.join(dir, 'root', 'film.mkv');
    await writeFile(file, 'film');
    const s = await stat(file);
    const source = { abs: file, dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    return { cache: new MediaCache(path.join(dir, 'cache'), maxBytes), source, dir };
  }

  const write = (bytes: string) => async (out: string) => {
    await writeFile(out, bytes);
    return true;
  };

  it('keys by identity: another size or mtime is another key', async () => {
    const { source } = await setup();
    expect(sourceKey(source)).not.toBe(sourceKey({ ...source, mtimeMs: source.mtimeMs + 1 }));
    expect(sourceKey(source)).not.toBe(sourceKey({ ...source, size: 5 }));
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/aqua-serve');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(path.join(os.homedir(), '.cache', 'aqua-serve'));
  });

  it('makes a product once for callers at the same time, then serves it from disk', async () => {
    const { cache, source } = await setup();
    let makes = 0;
    const make = async (out: string): Promise<boolean> => {
      makes++;
      await new Promise((r) => setTimeout(r, 20));
      await writeFile(out, 'jpeg');
      return true;
    };
    const all = await Promise.all([1, 2, 3].map(() => cache.produce(source, 'thumb.jpg', make)));
    expect(all.map(String)).toEqual(['jpeg', 'jpeg', 'jpeg']);
    expect(String(await cache.produce(source, 'thumb.jpg', make))).toBe('jpeg');
    expect(makes).toBe(1);
  });

  it('aborts the work when every caller went away', async () => {
    const { cache, source } = await setup();
    let aborted = false;
    const make = (_out: string, signal: AbortSignal): Promise<boolean> =>
      new Promise((resolve) =>
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve(false);
        }),
      );
    const a = new AbortController();
    const b = new AbortController();
    const pa = cache.produce(source, 'seg.ts', make, a.signal);
    const pb = cache.produce(source, 'seg.ts', make, b.signal);
    await new Promise((r) => setTimeout(r, 20));
    a.abort();
    await new Promise((r) => setTimeout(r, 20));
    expect(aborted).toBe(false); // b still waits
    b.abort();
    expect(await pa).toBeNull();
    expect(await pb).toBeNull();
    expect(aborted).toBe(true);
  });

  it('a caller arriving just after the others left gets a new make, not their abort', async () => {
    const { cache, source } = await setup();
    let makes = 0;
    const make = (out: string, signal: AbortSignal): Promise<boolean> => {
      makes++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => void writeFile(out, 'ts').then(() => resolve(true)), 30);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
    };
    const first = new AbortController();
    const gone = cache.produce(source, 'seg-2.ts', make, first.signal);
    await new Promise((r) => setTimeout(r, 5));
    first.abort();
    const again = cache.produce(source, 'seg-2.ts', make);
    expect(await gone).toBeNull();
    expect(String(await again)).toBe('ts');
    expect(makes).toBe(2);
  });

  it('stays within its size, least recently used first', async () => {
    const { cache, source } = await setup(2500);
    for (let i = 0; i < 5; i++) await cache.produce(source, `seg-${i}.ts`, write('x'.repeat(1000)));
    expect(cache.bytes).toBeLessThanOrEqual(2500);
    expect(await cache.get(source, 'seg-4.ts')).not.toBeNull();
    expect(await cache.get(source, 'seg-0.ts')).toBeNull();
  });

  it('on start, removes the entries of a file that changed or is gone, and keeps the others', async () => {
    const { cache, source, dir } = await setup();
    await cache.produce(source, 'thumb.jpg', write('jpeg'));
    const other = path.join(dir, 'root', 'other.mkv');
    await writeFile(other, 'other');
    const s = await stat(other);
    const otherSource = { abs: other, dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    await cache.produce(otherSource, 'thumb.jpg', write('jpeg'));
    await utimes(source.abs, new Date(), new Date(Date.now() + 10_000)); // film.mkv changed
    const again = new MediaCache(path.join(dir, 'cache'), 1 << 20);
    await again.start();
    expect(await readdir(again.dir)).toEqual([sourceKey(otherSource)]);
    expect(String(await again.get(otherSource, 'thumb.jpg'))).toBe('jpeg');
  });
});
