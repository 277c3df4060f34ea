/**
 * Issue 15's sample films, made with Debian's ffmpeg in a temporary folder: each a few seconds of a test
 * pattern and a tone, small, so that making and converting them is quick on two shared cores.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from '../../src/media/tools.js';

const run = promisify(execFile);

/** Empty when ffmpeg and ffprobe are there; otherwise the reason the media tests are skipped. */
export const NO_FFMPEG =
  findOnPath('ffmpeg') && findOnPath('ffprobe')
    ? ''
    : ' (SKIPPED: ffmpeg or ffprobe is not on the PATH; .ci/run installs it)';

export interface Sample {
  readonly name: string;
  /** What the player should end up doing with it in Chromium. */
  readonly expect: 'remux' | 'transcode';
  /** The text of an embedded subtitle cue, when it has one. */
  readonly cue?: string;
}

export const SAMPLES: readonly Sample[] = [
  { name: 'H264 AC3.mkv', expect: 'remux' },
  { name: 'XviD MP3.avi', expect: 'transcode' },
  { name: 'HEVC AAC.mkv', expect: 'transcode' },
  { name: 'TV recording.ts', expect: 'transcode' },
  { name: 'Embedded SRT.mkv', expect: 'remux', cue: 'Hello from inside the film' },
];

const SECONDS = '10';

function sources(size: string): string[] {
  return [
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${size}:rate=24`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
  ];
}

/** Fast H.264 that every browser plays. */
export const H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '48'];
/** XviD video and MP3 audio: what browsers cannot play (transcoded). */
const XVID = ['-c:v', 'mpeg4', '-vtag', 'XVID', '-c:a', 'libmp3lame'];

/** Run ffmpeg quietly, never reading stdin, overwriting its output. */
export async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

/** The five films of the issue in `dir`. */
export async function makeSamples(dir: string): Promise<void> {
  const out = (name: string): string => path.join(dir, name);
  const t = ['-t', SECONDS];
  await ffmpeg([...sources('320x240'), ...t, ...H264, '-c:a', 'ac3', out('H264 AC3.mkv')]);
  await ffmpeg([...sources('320x240'), ...t, ...XVID, out('XviD MP3.avi')]);
  const x265 = ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error'];
  await ffmpeg([...sources('320x240'), ...t, ...x265, '-c:a', 'aac', out('HEVC AAC.mkv')]);
  await ffmpeg([...sources('320x240'), ...t, '-c:v', 'mpeg2video', '-c:a', 'mp2', out('TV recording.ts')]);
  const srt = path.join(dir, 'cues.srt.txt');
  await writeFile(srt, '1\n00:00:00,200 --> 00:00:09,800\nHello from inside the film\n\n');
  const subs = ['-f', 'srt', '-i', srt, '-map', '0:v', '-map', '1:a', '-map', '2:s', '-c:s', 'srt'];
  const lang = ['-metadata:s:s:0', 'language=eng'];
  await ffmpeg([...sources('320x240'), ...subs, ...t, ...H264, '-c:a', 'aac', ...lang, out('Embedded SRT.mkv')]);
}

/** A 720p XviD film for the time limits (transcoded, so its segments take a while): `seconds` long. */
export async function make720p(file: string, seconds: number): Promise<void> {
  await ffmpeg([...sources('1280x720'), '-t', String(seconds), ...XVID, file]);
}

/** Process ids of the running ffmpeg/ffprobe children of `pid` (read from /proc). */
export async function mediaChildren(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const [state, ppid] = stat.slice(close + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z' && /^ff(mpeg|probe)$/.test(comm)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Wait until `pid` has no ffmpeg child; the time it took, or a rejection naming the ones left. */
export async function noMediaChildren(pid: number, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const left = await mediaChildren(pid);
    if (left.length === 0) return Date.now() - started;
    if (Date.now() - started > withinMs)
      throw new Error(`ffmpeg still running after ${withinMs} ms: ${left.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
