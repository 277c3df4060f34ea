/**
 * A small family film library for the UI tests (issue 14): films with very long names, a series season
 * whose sidecars sort before the video, accented names, a video whose codec Chromium cannot decode
 * (XviD in Matroska, made with ffmpeg), photos (three long-named, three hundred small) and text files.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { tempDir } from '../helpers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const demo = path.join(repo, 'files');
export const artifacts = path.join(repo, 'test', 'artifacts');

/** A name with a long unbreakable tail, as release names have. */
export const LONG =
  'The Extraordinarily Long Title of a Film Nobody Types in Full.Directors.Cut.2160p.HDR10.DTS-HD.MA.7.1_REMASTERED_Supercalifragilistic';

export interface Library {
  readonly root: string;
  cleanup(): Promise<void>;
}

/** An mkv with MPEG-4 part 2 video (the XviD codec, which Chromium does not decode) and AAC sound. */
async function xvidMkv(file: string): Promise<void> {
  const lavfi = ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440'];
  const codecs = ['-t', '3', '-c:v', 'mpeg4', '-vtag', 'XVID', '-c:a', 'aac'];
  await promisify(execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...lavfi, ...codecs, file]);
}

/** A 30-second H.264/AAC film, long enough to seek 10 s both ways. */
async function longMp4(file: string): Promise<void> {
  const lavfi = ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=330'];
  const codecs = ['-t', '30', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];
  await promisify(execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...lavfi, ...codecs, file]);
}

export async function makeLibrary(): Promise<Library> {
  const { dir: root, cleanup } = await tempDir('aqua-library-');
  const video = path.join(demo, 'videos', 'big-buck-test.mp4');
  const png = path.join(demo, 'pictures', 'banner.png');
  const films = path.join(root, 'Films');
  const season = path.join(root, 'Series', 'Season 1');
  const photos = path.join(root, 'Photos');
  const many = path.join(root, 'Many photos');
  const texts = path.join(root, 'Texts');
  for (const dir of [films, season, photos, many, texts]) await mkdir(dir, { recursive: true });
  const budapest = 'The Grand Budapest Hotel (2014)';
  // Café in NFD (e + combining acute), as macOS writes names; Amélie in NFC.
  const cafe = 'Cafe\u0301 Society (2016).mp4';
  for (const name of [`${LONG} 1.mp4`, `${LONG} 2.mp4`, `${LONG} 3.mp4`, 'Amélie (2001).mp4', `${budapest}.mp4`, cafe])
    await copyFile(video, path.join(films, name));
  await copyFile(path.join(demo, 'videos', 'big-buck-test.en.vtt'), path.join(films, `${budapest}.en.vtt`));
  await copyFile(path.join(demo, 'videos', 'big-buck-test.de.srt'), path.join(films, `${budapest}.de.srt`));
  await xvidMkv(path.join(films, 'Broken XviD.mkv'));
  await longMp4(path.join(films, 'Long Take.mp4'));
  await copyFile(path.join(demo, 'videos', 'big-buck-test.en.vtt'), path.join(films, 'Long Take.en.vtt'));
  await copyFile(path.join(demo, 'videos', 'big-buck-test.en.vtt'), path.join(season, 'S01E01 - Pilot.en.vtt'));
  await writeFile(path.join(season, 'S01E01 - Pilot.nfo'), '<episodedetails><title>Pilot</title></episodedetails>\n');
  await copyFile(video, path.join(season, 'S01E01 - Pilot.mp4'));
  await copyFile(video, path.join(season, 'S01E02 - The Second One.mp4'));
  for (const n of [1, 2, 3]) await copyFile(png, path.join(photos, `${LONG} ${n}.png`));
  for (let n = 1; n <= 300; n++) await copyFile(png, path.join(many, `photo ${String(n).padStart(3, '0')}.png`));
  const line = `${'x'.repeat(400)} ${'word '.repeat(40)}\n`;
  for (const n of [1, 2, 3]) await writeFile(path.join(texts, `${LONG} ${n}.txt`), line.repeat(20));
  return { root, cleanup };
}

/** The viewer URL of a file of the library (path segments are percent-encoded). */
export function viewUrl(folder: string, name: string): string {
  return `/${folder
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/')}/${encodeURIComponent(name)}?view`;
}

/** How much wider than the viewport the page is (0 when it fits). */
export function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
