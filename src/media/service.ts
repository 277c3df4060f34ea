/**
 * The media service of one handler: the tools found at start, two bounded queues (conversions:
 * `--transcodes`; thumbnails and probes: short jobs of their own, so a grid of photos never waits behind a
 * film), the disk cache, and the probes kept in memory. Every method resolves `null` when the thing cannot
 * be made (no tools, an undecodable file, the request gone): the handler answers 404 then, never 500.
 */
import os from 'node:os';
import type { Logger } from '../log.js';
import {
  imageThumbArgs,
  keyframeArgs,
  probeArgs,
  remuxSegmentArgs,
  subtitleArgs,
  transcodeSegmentArgs,
  videoThumbArgs,
  type TranscodeQuality,
} from './args.js';
import { MediaCache, sourceKey, type SourceFile } from './cache.js';
import { fixedSegments, keyframeSegments, parseKeyframes, SEGMENT_SECONDS, type Segment } from './hls.js';
import { parseProbe, remuxType, type MediaInfo } from './probe.js';
import { JobQueue } from './queue.js';
import { runProgram } from './run.js';
import type { MediaTools } from './tools.js';

export type HlsMode = 'remux' | 'transcode';

export interface MediaSettings {
  /** `null`: no ffmpeg; every product is `null`. */
  readonly tools: MediaTools | null;
  /** Conversions (segments, key-frame scans, subtitles) at a time. */
  readonly transcodes: number;
  readonly cacheDir: string;
  readonly cacheBytes: number;
  readonly quality: TranscodeQuality;
  readonly logger: Logger | null;
}

/** Requests that may wait for a conversion slot; more answer 503. */
const MAX_WAITING_CONVERSIONS = 32;
/** Requests that may wait for a thumbnail slot; more answer 503 (a page of 300 photos retries them). */
const MAX_WAITING_THUMBS = 64;
/** Images larger than this get no thumbnail (decoding one costs too much memory). */
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** Probes and failures kept in memory. */
const MEMORY_ENTRIES = 2000;

/** Thumbnail processes at a time: one per two cores, at least one. */
export function defaultThumbJobs(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

export class MediaService {
  readonly cache: MediaCache;
  readonly conversions: JobQueue;
  readonly thumbs: JobQueue;
  readonly #probes = new Map<string, MediaInfo>();
  readonly #plans = new Map<string, Segment[]>();
  readonly #failedThumbs = new Set<string>();

  constructor(readonly settings: MediaSettings) {
    this.cache = new MediaCache(settings.cacheDir, settings.cacheBytes, settings.logger);
    this.conversions = new JobQueue(settings.transcodes, MAX_WAITING_CONVERSIONS);
    this.thumbs = new JobQueue(defaultThumbJobs(), MAX_WAITING_THUMBS);
  }

  get available(): boolean {
    return this.settings.tools !== null;
  }

  /** Start the cache sweep (when ffmpeg is there: without it nothing is ever cached). */
  start(): void {
    if (this.available) void this.cache.start();
  }

  /** The probe of `source` (memory, then the disk cache, then ffprobe through the short-job queue). */
  async info(source: SourceFile, signal?: AbortSignal): Promise<MediaInfo | null> {
    const tools = this.settings.tools;
    if (!tools) return null;
    return remember(this.#probes, sourceKey(source), async () => {
      const json = await this.cache.produce(
        source,
        'probe.json',
        (out, abort) =>
          this.thumbs.run(async () => {
            const r = await runProgram(tools.ffprobe, probeArgs(source.abs), { signal: abort, timeoutMs: 30_000 });
            const info = r.code === 0 ? parseProbe(r.stdout.toString('utf8')) : null;
            if (!info) return false;
            await writeJson(out, info);
            return true;
          }, abort),
        signal,
      );
      return json ? (JSON.parse(json.toString('utf8')) as MediaInfo) : null;
    });
  }

  /** A JPEG of at most 320 × 320, or `null` when none can be made (remembered per file identity). */
  async thumbnail(source: SourceFile, kind: 'video' | 'image', signal?: AbortSignal): Promise<Buffer | null> {
    const tools = this.settings.tools;
    const key = sourceKey(source);
    if (!tools || this.#failedThumbs.has(key)) return null;
    if (kind === 'image' && source.size > MAX_IMAGE_BYTES) return null;
    const at = kind === 'video' ? await this.#thumbTime(source, signal) : 0;
    if (at === null) return this.#failed(key);
    const make = (out: string, abort: AbortSignal): Promise<boolean> =>
      this.thumbs.run(async () => {
        const args = kind === 'video' ? videoThumbArgs(source.abs, at, out) : imageThumbArgs(source.abs, out);
        const r = await runProgram(tools.ffmpeg, args, { signal: abort, timeoutMs: 20_000 });
        return r.code === 0;
      }, abort);
    const jpeg = await this.cache.produce(source, 'thumb-320.jpg', make, signal);
    if (!jpeg && !signal?.aborted) return this.#failed(key);
    return jpeg;
  }

  /** About 10 % into the film (a few seconds in when the duration is unknown); `null` without a picture. */
  async #thumbTime(source: SourceFile, signal?: AbortSignal): Promise<number | null> {
    const info = await this.info(source, signal);
    if (!info?.video) return null;
    return info.duration > 0 ? Math.min(info.duration * 0.1, Math.max(0, info.duration - 0.5)) : 3;
  }

  #failed(key: string): null {
    if (this.#failedThumbs.size >= MEMORY_ENTRIES) this.#failedThumbs.clear();
    this.#failedThumbs.add(key);
    return null;
  }

  /** The segments of `mode` (a remux needs the key frames: scanned once, kept on disk), or `null`. */
  async segments(source: SourceFile, info: MediaInfo, mode: HlsMode, signal?: AbortSignal): Promise<Segment[] | null> {
    if (!info.video || info.duration <= 0) return null;
    if (mode === 'transcode') return fixedSegments(info.duration);
    const tools = this.settings.tools;
    if (!tools || remuxType(info) === null) return null;
    return remember(this.#plans, sourceKey(source), async () => {
      const make = (out: string, abort: AbortSignal): Promise<boolean> =>
        this.conversions.run(async () => {
          const args = keyframeArgs(source.abs);
          const r = await runProgram(tools.ffprobe, args, { signal: abort, timeoutMs: 120_000, maxOutput: 64 << 20 });
          if (r.code !== 0) return false;
          await writeJson(out, parseKeyframes(r.stdout.toString('utf8'), info.startTime));
          return true;
        }, abort);
      const json = await this.cache.produce(source, 'keyframes.json', make, signal);
      if (!json) return null;
      return keyframeSegments(JSON.parse(json.toString('utf8')) as number[], info.duration);
    });
  }

  /** Segment `index` of `mode` as MPEG-TS, made now if it is not cached. */
  async segment(
    source: SourceFile,
    info: MediaInfo,
    mode: HlsMode,
    index: number,
    signal?: AbortSignal,
  ): Promise<Buffer | null> {
    const tools = this.settings.tools;
    const segments = await this.segments(source, info, mode, signal);
    const segment = segments?.[index];
    if (!tools || !segment) return null;
    const quality = this.settings.quality;
    const name = mode === 'remux' ? `seg-remux-${index}.ts` : `seg-${quality}-${SEGMENT_SECONDS}-${index}.ts`;
    const make = (out: string, abort: AbortSignal): Promise<boolean> =>
      this.conversions.run(async () => {
        const args =
          mode === 'remux'
            ? remuxSegmentArgs(source.abs, info, segment, out)
            : transcodeSegmentArgs(source.abs, info, segment, quality, out);
        const r = await runProgram(tools.ffmpeg, args, { signal: abort, timeoutMs: 120_000 });
        if (r.code !== 0 && !abort.aborted) this.settings.logger?.warn({ stderr: r.stderr }, 'ffmpeg segment failed');
        return r.code === 0;
      }, abort);
    return this.cache.produce(source, name, make, signal);
  }

  /** Subtitle stream `stream` as WebVTT. */
  async subtitle(source: SourceFile, info: MediaInfo, stream: number, signal?: AbortSignal): Promise<Buffer | null> {
    const tools = this.settings.tools;
    if (!tools || !info.subtitles.some((s) => s.index === stream)) return null;
    const make = (out: string, abort: AbortSignal): Promise<boolean> =>
      this.conversions.run(async () => {
        const r = await runProgram(tools.ffmpeg, subtitleArgs(source.abs, stream, out), {
          signal: abort,
          timeoutMs: 60_000,
        });
        return r.code === 0;
      }, abort);
    return this.cache.produce(source, `sub-${stream}.vtt`, make, signal);
  }
}

async function writeJson(file: string, value: unknown): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(file, JSON.stringify(value));
}

/** The value kept for `key`, else `make()`'s, kept when it is not `null` (the next request tries again). */
async function remember<T>(map: Map<string, T>, key: string, make: () => Promise<T | null>): Promise<T | null> {
  const hit = map.get(key);
  if (hit !== undefined) return hit;
  const value = await make();
  if (value === null) return null;
  if (map.size >= MEMORY_ENTRIES) map.clear();
  map.set(key, value);
  return value;
}
