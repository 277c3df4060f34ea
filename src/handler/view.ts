import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { pageCacheControl } from '../http/cache.js';
import { homeOf, type RequestContext } from './context.js';
import { sendHtmlPage } from './page.js';
import { bufferRepresentation, contentETag } from '../respond/representation.js';
import { send } from '../respond/send.js';
import type { ReadEntriesOptions } from '../fs/entries.js';
import { describeIn, type FolderNames } from '../fs/folder.js';
import { contentType } from '../http/mime.js';
import { resolveFsPath } from '../fs/resolve.js';
import { kindOf, playabilityOf, type Kind } from '../pages/ui/kind.js';
import type { FileView } from '../pages/view/chrome.js';
import { renderImageHtml } from '../pages/view/image.js';
import { renderPlayerHtml } from '../pages/view/player.js';
import { findSubtitles, placeAmong, type Place, type SubtitleTrack } from '../pages/view/siblings.js';
import type { TranscodeHook } from '../pages/view/transcode.js';
import { decodeWindows1252Stream, SrtToVtt } from '../pages/srt.js';
import { escapeText, looksBinary, textViewShell, TEXT_VIEW_LIMIT } from '../pages/view/text.js';
import { acrossSeasons } from './seasons.js';
import { sendQr, shareOrigin } from './share.js';
import { sendStreamed, textChunks } from './stream.js';
import { HTML } from './page.js';
import { playerMedia, signalOf } from './media.js';
import type { MediaService } from '../media/service.js';
import { hrefOf } from '../pages/ui/escape.js';
import { albumOf } from './library.js';

/** A regular file opened for this request: its one handle (closed by the caller), its stat, its name. */
export interface OpenFile {
  readonly fh: FileHandle;
  readonly stat: Stats;
  readonly name: string;
}

export type ViewerKind = Extract<Kind, 'video' | 'audio' | 'image' | 'text'>;

/** Which page `?view` gives for a file name, or `null` when it has none (the file is then served as is). */
export function viewerKind(name: string): ViewerKind | null {
  const kind = kindOf(name, 'file');
  return kind === 'video' || kind === 'audio' || kind === 'image' || kind === 'text' ? kind : null;
}

/** Bytes read at a time while a page or a conversion is streamed: escaping them takes a millisecond or two. */
const READ_CHUNK = 16 * 1024;

/** The bytes of `fh` from 0 up to `limit`, chunk by chunk (the caller closes the handle). */
async function* readChunks(fh: FileHandle, limit: number, chunk = READ_CHUNK): AsyncGenerator<Uint8Array> {
  for (let position = 0; position < limit;) {
    const buffer = Buffer.allocUnsafe(Math.min(chunk, limit - position));
    const { bytesRead } = await fh.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** Reads at most `limit` bytes from the start of an open file. */
async function readHead(fh: FileHandle, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of readChunks(fh, limit)) parts.push(part);
  return Buffer.concat(parts);
}

/** The folder of the requested file, as its URL names it (not the symlink target's folder). */
function folderOf(ctx: RequestContext): { segments: readonly string[]; path: string } {
  const segments = ctx.url.segments.slice(0, -1);
  return { segments, path: segments.length > 0 ? `/${segments.join('/')}/` : '/' };
}

/** A page whole (with its length and a content ETag) or as a stream of parts (chunked, as it is made). */
function sendPage(ctx: RequestContext, page: string | (() => AsyncIterable<string>)): Promise<void> {
  return typeof page === 'string' ? sendHtmlPage(ctx, page) : sendStreamed(ctx, HTML, page, { page: true });
}

/**
 * The first visible name of `candidates` (nearest first): a name is shown only if the listing would
 * show it (a symlink out of the root is not), and only these few are stat'ed.
 */
async function firstShown(
  dir: string,
  candidates: readonly string[],
  options: ReadEntriesOptions,
): Promise<string | null> {
  for (const name of candidates) {
    const [entry] = await describeIn(dir, [{ name, kind: 'symlink' }], options);
    if (entry?.type === 'file') return name;
  }
  return null;
}

type Steps = Pick<FileView, 'prev' | 'next' | 'prevFolder' | 'nextFolder'>;

/** Previous and next: the nearest shown neighbours; for media, past a season's ends into the season beside it. */
async function steps(
  dir: string,
  folderPath: string,
  place: Place,
  env: { folders: FolderNames; options: ReadEntriesOptions; same: (n: string) => boolean; seasons: boolean },
): Promise<Steps> {
  const prev = await firstShown(dir, place.before, env.options);
  const next = await firstShown(dir, place.after, env.options);
  const before = env.seasons && prev === null ? await acrossSeasons(dir, folderPath, -1, env) : null;
  const after = env.seasons && next === null ? await acrossSeasons(dir, folderPath, 1, env) : null;
  return {
    prev: prev ?? before?.name ?? null,
    next: next ?? after?.name ?? null,
    ...(before ? { prevFolder: before.folder } : {}),
    ...(after ? { nextFolder: after.folder } : {}),
  };
}

/**
 * `<file>?view`: the player, image viewer or text view. Returns `false` (and writes nothing) when the
 * file's kind has no viewer, so the caller serves the file itself. Does not close `file.fh`. Previous
 * and next step through the files that open in the same viewer (videos and audio together), in the
 * listing's name order, found from the folder's names alone: only the neighbours shown are stat'ed.
 */
export async function serveViewer(
  ctx: RequestContext,
  file: OpenFile,
  folders: FolderNames,
  converter?: Converter,
): Promise<boolean> {
  const kind = viewerKind(file.name);
  if (kind === null) return false;
  const folder = folderOf(ctx);
  const dir = await resolveFsPath(ctx.root, { segments: folder.segments, trailingSlash: true }, ctx.options);
  const options: ReadEntriesOptions = {
    root: ctx.root,
    dotfiles: ctx.options.dotfiles,
    followSymlinks: ctx.options.followSymlinks,
    fs: ctx.options.folderFs,
  };
  const media = kind === 'video' || kind === 'audio';
  if (media && ctx.route.format === 'qr') {
    await sendQr(ctx);
    return true;
  }
  const files = (await folders.get(dir, options)).filter((n) => n.kind !== 'directory').map((n) => n.name);
  const place = await placeAmong(files, file.name, sameViewerAs(kind));
  const common = {
    base: ctx.base,
    folder: folder.path,
    name: file.name,
    size: file.stat.size,
    mtimeMs: file.stat.mtimeMs,
    contentType: contentType(file.name),
    ...(await steps(dir, folder.path, place, { folders, options, same: sameViewerAs(kind), seasons: media })),
    share: ctx.options.shareToken?.([...folder.segments, file.name], false) ?? null,
  };
  switch (kind) {
    case 'video':
    case 'audio': {
      const subtitles: string[] = [];
      for (const name of place.subtitleCandidates)
        if ((await firstShown(dir, [name], options)) !== null) subtitles.push(name);
      const sidecars = kind === 'video' ? findSubtitles(file.name, subtitles) : [];
      const html = renderPlayerHtml({
        ...common,
        kind,
        playability: playabilityOf(file.name),
        ...(await withMedia(ctx, { ...file, folder: folder.path }, sidecars, converter)),
        ...(kind === 'audio' ? { album: await albumOf(dir, files, options) } : {}),
        shareOrigin: shareOrigin(ctx),
      });
      await sendPage(ctx, html);
      return true;
    }
    case 'image':
      await sendPage(ctx, renderImageHtml({ ...common, index: place.index, count: place.count }));
      return true;
    case 'text':
      await sendTextView(ctx, file, common);
      return true;
  }
}

/** A small file's view is sent whole (content ETag, Range); a big one streams as it is escaped. */
async function sendTextView(ctx: RequestContext, file: OpenFile, common: FileView): Promise<void> {
  if (file.stat.size <= WHOLE_TEXT_BYTES) {
    let html = '';
    for await (const part of textPage(file, common)) html += part;
    await sendPage(ctx, html);
  } else await sendPage(ctx, () => textPage(file, common));
}

/** Whether a name opens in the same viewer as `kind` (videos and audio step through each other). */
function sameViewerAs(kind: NonNullable<ReturnType<typeof viewerKind>>): (name: string) => boolean {
  const media = kind === 'video' || kind === 'audio';
  return (name) => {
    const other = viewerKind(name);
    return media ? other === 'video' || other === 'audio' : other === kind;
  };
}

/** Where the player page finds ffmpeg: the handler's media service and the file's real path. */
interface Converter {
  readonly service: MediaService;
  readonly abs: string;
}

/**
 * Issue 15: the subtitles and the transcode hook of a player page: a film ffmpeg may convert gets the hook
 * and its own text subtitle streams after the sidecar files.
 */
async function withMedia(
  ctx: RequestContext,
  file: OpenFile & { readonly folder: string },
  sidecars: readonly SubtitleTrack[],
  converter: Converter | undefined,
): Promise<{ subtitles: readonly SubtitleTrack[]; transcode: TranscodeHook | null | undefined }> {
  if (!converter) return { subtitles: sidecars, transcode: undefined };
  const raw = hrefOf(ctx.base, file.folder, file.name);
  const extra = await playerMedia(converter.service, { ...file, abs: converter.abs }, raw, signalOf(ctx.res));
  return { subtitles: [...sidecars, ...extra.embedded], transcode: extra.transcode };
}

/** Text files up to this size get their view sent whole. */
const WHOLE_TEXT_BYTES = 64 * 1024;

/** The text view, its text read, decoded and escaped chunk by chunk (at most {@link TEXT_VIEW_LIMIT}). */
async function* textPage(file: OpenFile, common: FileView): AsyncGenerator<string> {
  const head = await readHead(file.fh, Math.min(8192, TEXT_VIEW_LIMIT));
  const binary = looksBinary(head);
  const shell = textViewShell({ ...common, binary, truncated: file.stat.size > TEXT_VIEW_LIMIT });
  yield shell.start;
  if (binary) return;
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  for await (const chunk of readChunks(file.fh, TEXT_VIEW_LIMIT))
    yield escapeText(decoder.decode(chunk, { stream: true }));
  yield escapeText(decoder.decode()) + shell.end;
}

/** Subtitle files bigger than this are served as they are, not converted (real ones are well under 1 MiB). */
export const SRT_CONVERT_LIMIT = 8 * 1024 * 1024;

/** Whether the file's bytes are all valid UTF-8, read chunk by chunk (the choice of decoder depends on it). */
async function isUtf8File(fh: FileHandle, size: number): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of readChunks(fh, size, 256 * 1024)) decoder.decode(chunk, { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/**
 * `film.srt?format=vtt`: the SubRip file converted to WebVTT for a `<track>`: UTF-8 when the whole file
 * is valid UTF-8 (checked first, chunk by chunk), otherwise Windows-1252; converted once per file
 * version (see {@link ConvertedSubtitles}). Returns `false` (and writes nothing) when the file is too
 * big to convert. Does not close `file.fh`.
 */
export async function serveSrtAsVtt(ctx: RequestContext, file: OpenFile): Promise<boolean> {
  if (file.stat.size > SRT_CONVERT_LIMIT) return false;
  const { vtt, etag } = await converted.get(file);
  const rep = bufferRepresentation(vtt, { type: 'text/vtt; charset=utf-8', etag });
  await send(ctx.res, rep, { cacheControl: pageCacheControl(ctx.options), home: homeOf(ctx.base) });
  return true;
}

/** The WebVTT of an open SubRip file, converted as it is read, in slices that leave the loop free. */
async function convert(file: OpenFile): Promise<Converted> {
  const size = file.stat.size;
  async function* vtt(): AsyncGenerator<string> {
    const utf8 = await isUtf8File(file.fh, size);
    const decoder = utf8 ? new TextDecoder('utf-8') : null;
    const decode = (bytes: Uint8Array): string =>
      decoder ? decoder.decode(bytes, { stream: true }) : decodeWindows1252Stream(bytes);
    const converter = new SrtToVtt();
    for await (const chunk of readChunks(file.fh, size)) yield converter.push(decode(chunk));
    yield converter.push(decoder ? decoder.decode() : '') + converter.end();
  }
  const parts: Buffer[] = [];
  for await (const part of textChunks(vtt())) parts.push(part);
  const bytes = Buffer.concat(parts);
  return { vtt: bytes, etag: contentETag(bytes) }; // hashed once, not per request
}

interface Converted {
  readonly vtt: Buffer;
  readonly etag: string;
}

/**
 * Converted subtitles, kept per file identity (device, inode, size, mtime) up to {@link VTT_CACHE_BYTES}:
 * a subtitle file is converted once however many clients ask for it at once or later, so fifty
 * requests for an 8 MiB `.srt` cost one conversion and one copy of the result.
 */
class ConvertedSubtitles {
  readonly #entries = new Map<string, { vtt: Promise<Converted>; bytes: number }>();
  #bytes = 0;

  get(file: OpenFile): Promise<Converted> {
    const { dev, ino, size, mtimeMs } = file.stat;
    const key = `${dev}:${ino}:${size}:${mtimeMs}`;
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.vtt;
    }
    const entry = { vtt: convert(file), bytes: 0 };
    this.#entries.set(key, entry);
    entry.vtt.then(
      ({ vtt }) => {
        entry.bytes = vtt.length;
        this.#bytes += vtt.length;
        for (const [k, old] of this.#entries) {
          if (this.#bytes <= VTT_CACHE_BYTES) break;
          this.#entries.delete(k);
          this.#bytes -= old.bytes;
        }
      },
      () => this.#entries.delete(key),
    );
    return entry.vtt;
  }
}

/** Memory the converted subtitles may keep. */
const VTT_CACHE_BYTES = 32 * 1024 * 1024;
const converted = new ConvertedSubtitles();
