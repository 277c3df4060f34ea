/**
 * The media answers of a file: `?thumb` (a JPEG of at most 320 × 320), `?media` (what the player chooses
 * from), `?hls=` (VOD playlist and segments) and `?sub=` (an embedded subtitle as WebVTT), all through the one
 * send path with validators. Anything that cannot be made is a 404: no ffmpeg, an undecodable file, a
 * kind without the answer. The ffmpeg work of a request stops when its client goes away.
 */
import { realpathSync, type Stats } from 'node:fs';
import type { ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { immutableCacheControl, pageCacheControl, type CachePolicy } from '../http/cache.js';
import { HttpError } from '../http/errors.js';
import { encodeSegment } from '../http/url.js';
import { defaultCacheDir, sourceKey, type SourceFile } from '../media/cache.js';
import { directType, remuxType, TRANSCODE_TYPE, type MediaInfo } from '../media/probe.js';
import type { MediaQuery } from '../media/query.js';
import { playlistText } from '../media/hls.js';
import { MediaService } from '../media/service.js';
import { findTools } from '../media/tools.js';
import { kindOf, playabilityOf } from '../pages/ui/kind.js';
import type { SubtitleTrack } from '../pages/view/siblings.js';
import type { TranscodeHook } from '../pages/view/transcode.js';
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { homeOf, type RequestContext } from './context.js';
import type { ResolvedServeOptions } from './options.js';
import { sendGenerated } from './page.js';

/** The file a media answer is made from. */
export interface MediaFile {
  readonly abs: string;
  readonly stat: Stats;
  readonly name: string;
}

const notFound = (why: string): HttpError => new HttpError(404, why);

/** An AbortSignal that aborts when the response's connection closes before the answer was sent. */
export function signalOf(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort(new Error('client went away'));
  };
  res.once('close', onClose);
  return controller.signal;
}

export function sourceOf(file: MediaFile): SourceFile {
  const { dev, ino, size, mtimeMs } = file.stat;
  return { abs: file.abs, dev, ino, size, mtimeMs };
}

/** Answer the media query `query` of `file`; throws a 404 {@link HttpError} when there is nothing to send. */
export async function serveMedia(
  ctx: RequestContext,
  file: MediaFile,
  media: MediaService,
  query: MediaQuery,
): Promise<void> {
  if (query.kind === 'invalid' || !media.available) throw notFound('no such media answer');
  const source = sourceOf(file);
  const signal = signalOf(ctx.res);
  const kind = kindOf(file.name, 'file');
  if (query.kind === 'thumb') {
    if (kind !== 'video' && kind !== 'image') throw notFound('no thumbnail for this kind');
    const jpeg = await media.thumbnail(source, kind, signal);
    if (!jpeg) throw notFound('no thumbnail');
    return sendThumb(ctx, source, jpeg, query.versioned);
  }
  if (kind !== 'video') throw notFound('not a video');
  const info = await media.info(source, signal);
  if (!info?.video) throw notFound('no video stream');
  switch (query.kind) {
    case 'info':
      return sendGenerated(
        ctx,
        JSON.stringify(await describe(media, source, info, file.name, signal)),
        'application/json',
      );
    case 'playlist': {
      const segments = await media.segments(source, info, query.mode, signal);
      if (!segments) throw notFound('no playlist');
      const prefix = `./${encodeSegment(file.name)}?hls=${query.mode}&seg=`;
      return sendGenerated(
        ctx,
        playlistText(segments, (i) => prefix + i),
        'application/vnd.apple.mpegurl',
      );
    }
    case 'segment': {
      const ts = await media.segment(source, info, query.mode, query.index, signal);
      if (!ts) throw notFound('no segment');
      const etag = `"${sourceKey(source).slice(0, 16)}-${query.mode[0]}${media.settings.quality}-${query.index}"`;
      return sendBytes(ctx, ts, { type: 'video/mp2t', etag, modifiedMs: file.stat.mtimeMs });
    }
    case 'subtitle': {
      const vtt = await media.subtitle(source, info, query.stream, signal);
      if (!vtt) throw notFound('no such subtitle stream');
      return sendBytes(ctx, vtt, { type: 'text/vtt; charset=utf-8', modifiedMs: file.stat.mtimeMs });
    }
  }
}

/** What `?media` tells the player page (transcode.js): the types to ask the browser about, and the playlists. */
export interface MediaDescription {
  readonly duration: number;
  /** Ask `canPlayType`: the file itself plays when the answer is `probably`. */
  readonly direct: string | null;
  readonly remux: { readonly type: string; readonly playlist: string } | null;
  /** `null` when the duration is unknown: no playlist can be made. */
  readonly transcode: { readonly type: string; readonly playlist: string } | null;
}

async function describe(
  media: MediaService,
  source: SourceFile,
  info: MediaInfo,
  name: string,
  signal: AbortSignal,
): Promise<MediaDescription> {
  const href = `./${encodeSegment(name)}`;
  const remux = remuxType(info);
  // A remux needs the key frames: one demux-only scan of the whole file, made now and kept.
  const canRemux = remux !== null && (await media.segments(source, info, 'remux', signal)) !== null;
  return {
    duration: info.duration,
    direct: directType(info),
    remux: canRemux ? { type: remux, playlist: `${href}?hls=remux` } : null,
    transcode: info.duration > 0 ? { type: TRANSCODE_TYPE, playlist: `${href}?hls=transcode` } : null,
  };
}

function sendBytes(
  ctx: RequestContext,
  bytes: Buffer,
  meta: { readonly type: string; readonly etag?: string; readonly modifiedMs: number },
): Promise<void> {
  const rep = bufferRepresentation(bytes, { ...meta, modifiedMs: Math.min(meta.modifiedMs, Date.now()) });
  return send(ctx.res, rep, { cacheControl: pageCacheControl(ctx.options), home: homeOf(ctx.base) });
}

/**
 * A thumbnail: its ETag and Last-Modified are the source file's identity, so a changed file gets a new one.
 * `?thumb` may be kept a day (a stale thumbnail is harmless); `?thumb&v=…` (a URL that changes with the file)
 * for ever.
 */
function sendThumb(ctx: RequestContext, source: SourceFile, jpeg: Buffer, versioned: boolean): Promise<void> {
  const etag = `"t${sourceKey(source).slice(0, 22)}"`;
  const rep = bufferRepresentation(jpeg, {
    type: 'image/jpeg',
    etag,
    modifiedMs: Math.min(source.mtimeMs, Date.now()),
  });
  const cacheControl = versioned ? immutableCacheControl(ctx.options) : dayCacheControl(ctx.options);
  return send(ctx.res, rep, { cacheControl, home: homeOf(ctx.base) });
}

function dayCacheControl(policy: CachePolicy): string {
  return `${policy.private ? 'private' : 'public'}, max-age=86400`;
}

/**
 * The media service of a handler: the tools looked for once (off unless `options.ffmpeg`), the cache folder
 * checked to lie outside the served root, the cache swept in the background.
 */
export function openMedia(root: string, options: ResolvedServeOptions): MediaService {
  const tools = options.ffmpeg === false ? null : findTools(options.ffmpeg);
  if (options.ffmpeg !== false && !tools)
    options.logger?.warn('ffmpeg or ffprobe not found: no thumbnails, no conversions for the player');
  const service = new MediaService({
    tools,
    transcodes: options.transcodes,
    cacheDir: cacheDirFor(root, options.cacheDir),
    cacheBytes: options.mediaCacheBytes,
    quality: options.transcodeQuality,
    logger: options.logger,
  });
  service.start();
  return service;
}

/** `given`, or the XDG default; never inside the served tree (a default there moves to the temporary folder). */
function cacheDirFor(root: string, given: string | null): string {
  const dir = path.resolve(given ?? defaultCacheDir());
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const rel = path.relative(real(root), real(dir));
  const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  if (!inside) return dir;
  if (given !== null) throw new RangeError(`cacheDir (--cache-dir) must be outside the served root`);
  return path.join(os.tmpdir(), `aqua-serve-cache-${process.getuid?.() ?? 'user'}`);
}

/** What the player page of a film gets from ffmpeg: the hook (`null`: no ffmpeg) and its text subtitle streams. */
export interface PlayerMedia {
  readonly transcode: TranscodeHook | null | undefined;
  readonly embedded: readonly SubtitleTrack[];
}

/**
 * The hook of a video the browser may not play as it is (`maybe` or `no`): probed once (cached), its text
 * subtitle streams become tracks. A file ffprobe cannot read keeps today's page.
 */
export async function playerMedia(
  media: MediaService,
  file: MediaFile,
  rawHref: string,
  signal: AbortSignal,
): Promise<PlayerMedia> {
  if (kindOf(file.name, 'file') !== 'video' || playabilityOf(file.name) === 'yes')
    return { transcode: undefined, embedded: [] };
  if (!media.available) return { transcode: null, embedded: [] };
  const info = await media.info(sourceOf(file), signal);
  if (!info?.video) return { transcode: undefined, embedded: [] };
  const embedded = info.subtitles.map((s, i) => ({
    name: file.name,
    convert: false,
    lang: s.lang ? (new Intl.Locale(s.lang).language ?? s.lang) : null,
    label: s.title ?? (s.lang ? languageLabel(s.lang) : `Subtitles ${i + 1}`),
    href: `${rawHref}?sub=${s.index}`,
  }));
  return { transcode: { info: `${rawHref}?media` }, embedded };
}

const names = new Intl.DisplayNames('en', { type: 'language', fallback: 'none' });

function languageLabel(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
