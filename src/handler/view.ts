import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { RequestContext } from './context.js';
import { sendGenerated, sendHtmlPage } from './page.js';
import { readEntries, type Entry } from '../fs/entries.js';
import { compareNames } from '../fs/sort.js';
import { contentType } from '../http/mime.js';
import { resolveFsPath } from '../fs/resolve.js';
import { kindOf, playabilityOf, type Kind } from '../pages/ui/kind.js';
import type { FileView } from '../pages/view/chrome.js';
import { renderImageHtml } from '../pages/view/image.js';
import { renderPlayerHtml } from '../pages/view/player.js';
import { findSubtitles, neighbours } from '../pages/view/siblings.js';
import { decodeSubtitleBytes, srtToVtt } from '../pages/srt.js';
import { decodeText, looksBinary, renderTextHtml, TEXT_VIEW_LIMIT } from '../pages/view/text.js';

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

/** Everything a viewer page is made from. */
export interface ViewTarget extends Omit<FileView, 'prev' | 'next'> {
  /** The folder's visible entries (dotfile and symlink policy applied), any order. */
  readonly siblings: readonly Entry[];
  /** Reads up to `limit` bytes from the start of the file (only the text view calls it). */
  readonly readHead: (limit: number) => Promise<Uint8Array>;
}

/**
 * The HTML of the viewer page for `target`, or `null` when its kind has no viewer. Previous/next step
 * through the files that open in the same viewer (videos and audio together), in natural name order.
 */
export async function renderViewerPage(target: ViewTarget): Promise<string | null> {
  const kind = viewerKind(target.name);
  if (kind === null) return null;
  const media = kind === 'video' || kind === 'audio';
  const sameViewer = (name: string): boolean => {
    const other = viewerKind(name);
    return media ? other === 'video' || other === 'audio' : other === kind;
  };
  const files = target.siblings
    .filter((e) => e.type === 'file')
    .map((e) => e.name)
    .sort(compareNames);
  const { prev, next, index, count } = neighbours(files.filter(sameViewer), target.name);
  const common = {
    base: target.base,
    folder: target.folder,
    name: target.name,
    size: target.size,
    mtimeMs: target.mtimeMs,
    contentType: target.contentType,
    prev,
    next,
  };
  switch (kind) {
    case 'video':
    case 'audio':
      return renderPlayerHtml({
        ...common,
        kind,
        playability: playabilityOf(target.name),
        subtitles: kind === 'video' ? findSubtitles(target.name, files) : [],
      });
    case 'image':
      return renderImageHtml({ ...common, index, count });
    case 'text': {
      const head = await target.readHead(TEXT_VIEW_LIMIT);
      return renderTextHtml({
        ...common,
        text: looksBinary(head) ? null : decodeText(head),
        truncated: target.size > head.length,
      });
    }
  }
}

/** Reads at most `limit` bytes from the start of an open file. */
async function readHead(fh: FileHandle, limit: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(limit);
  let filled = 0;
  while (filled < limit) {
    const { bytesRead } = await fh.read(buffer, filled, limit - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** The folder of the requested file, as its URL names it (not the symlink target's folder). */
function folderOf(ctx: RequestContext): { segments: readonly string[]; path: string } {
  const segments = ctx.url.segments.slice(0, -1);
  return { segments, path: segments.length > 0 ? `/${segments.join('/')}/` : '/' };
}

/**
 * `<file>?view`: the player, image viewer or text view. Returns `false` (and writes nothing) when the
 * file's kind has no viewer, so the caller serves the file itself. Does not close `file.fh`.
 */
export async function serveViewer(ctx: RequestContext, file: OpenFile): Promise<boolean> {
  if (viewerKind(file.name) === null) return false;
  const folder = folderOf(ctx);
  const dir = await resolveFsPath(ctx.root, { segments: folder.segments, trailingSlash: true }, ctx.options);
  const siblings = await readEntries(dir, {
    root: ctx.root,
    dotfiles: ctx.options.dotfiles,
    followSymlinks: ctx.options.followSymlinks,
  });
  const html = await renderViewerPage({
    base: ctx.base,
    folder: folder.path,
    name: file.name,
    size: file.stat.size,
    mtimeMs: file.stat.mtimeMs,
    contentType: contentType(file.name),
    siblings,
    readHead: (limit) => readHead(file.fh, limit),
  });
  if (html === null) return false;
  await sendHtmlPage(ctx, html);
  return true;
}

/** Subtitle files bigger than this are served as they are, not converted (real ones are well under 1 MiB). */
export const SRT_CONVERT_LIMIT = 8 * 1024 * 1024;

/**
 * `film.srt?format=vtt`: the SubRip file converted to WebVTT for a `<track>`. Returns `false` (and
 * writes nothing) when the file is too big to convert. Does not close `file.fh`.
 */
export async function serveSrtAsVtt(ctx: RequestContext, file: OpenFile): Promise<boolean> {
  if (file.stat.size > SRT_CONVERT_LIMIT) return false;
  const vtt = srtToVtt(decodeSubtitleBytes(await readHead(file.fh, file.stat.size)));
  await sendGenerated(ctx, vtt, 'text/vtt; charset=utf-8');
  return true;
}
