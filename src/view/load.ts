import { open } from 'node:fs/promises';
import type { Entry } from '../listing/model.js';
import { compareNames } from '../listing/sort.js';
import { kindOf, playabilityOf, type Kind } from '../ui/kind.js';
import { renderImageHtml } from './image.js';
import { renderPlayerHtml } from './player.js';
import { findSubtitles, neighbours } from './siblings.js';
import { decodeSubtitleBytes, srtToVtt } from './srt.js';
import { decodeText, looksBinary, renderTextHtml, TEXT_VIEW_LIMIT } from './text.js';

/** What the handler knows when a file is asked for with `?view`. */
export interface ViewTarget {
  /** Mount prefix, `''` at top level. */
  readonly base: string;
  /** Decoded folder path with leading and trailing slash. */
  readonly folder: string;
  readonly name: string;
  /** Absolute path of the file (already resolved and checked by the core). */
  readonly filePath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly contentType: string;
  /** The folder's visible entries (dotfile policy applied), any order. */
  readonly siblings: readonly Entry[];
}

/** Which page `?view` gives for a file name, or `null` when the file has none (it is then served as is). */
export function viewerKind(name: string): Extract<Kind, 'video' | 'audio' | 'image' | 'text'> | null {
  const kind = kindOf(name, 'file');
  return kind === 'video' || kind === 'audio' || kind === 'image' || kind === 'text' ? kind : null;
}

/** Reads at most `limit` bytes from the start of a file through one handle, closed in `finally`. */
async function readHead(filePath: string, limit: number): Promise<Uint8Array> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let filled = 0;
    while (filled < limit) {
      const { bytesRead } = await handle.read(buffer, filled, limit - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * The HTML of the viewer page for `target`, or `null` when its kind has no viewer. Only a text view
 * reads the file (its first {@link TEXT_VIEW_LIMIT} bytes); the others only use the folder's names.
 * Previous/next step through the files that open in the same viewer (videos and audio together).
 */
export async function renderViewerPage(target: ViewTarget): Promise<string | null> {
  const kind = viewerKind(target.name);
  if (kind === null) return null;
  const sameViewer = (name: string): boolean => {
    const other = viewerKind(name);
    return kind === 'video' || kind === 'audio' ? other === 'video' || other === 'audio' : other === kind;
  };
  const files = target.siblings.filter((e) => e.type === 'file').map((e) => e.name).sort(compareNames);
  const { prev, next, index, count } = neighbours(files.filter(sameViewer), target.name);
  const common = { base: target.base, folder: target.folder, name: target.name, size: target.size, mtimeMs: target.mtimeMs, contentType: target.contentType, prev, next };
  switch (kind) {
    case 'video':
    case 'audio':
      return renderPlayerHtml({ ...common, kind, playability: playabilityOf(target.name), subtitles: kind === 'video' ? findSubtitles(target.name, files) : [] });
    case 'image':
      return renderImageHtml({ ...common, index, count });
    case 'text': {
      const head = await readHead(target.filePath, TEXT_VIEW_LIMIT);
      const text = looksBinary(head) ? null : decodeText(head);
      return renderTextHtml({ ...common, text, truncated: target.size > head.length });
    }
  }
}

/** Subtitle files bigger than this are not converted (a real one is well under 1 MiB). */
export const SRT_LIMIT = 8 * 1024 * 1024;

/** `film.srt?format=vtt`: the file converted to WebVTT, or `null` when it is too big to convert. */
export async function loadSrtAsVtt(filePath: string, size: number): Promise<string | null> {
  if (size > SRT_LIMIT) return null;
  return srtToVtt(decodeSubtitleBytes(await readHead(filePath, size)));
}
