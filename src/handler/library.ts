/**
 * What a folder page adds to its list (issue 14): the library view's hints, and the folder's README below
 * the list, read (its first 256 KiB) through the safe open and rendered once per version.
 */
import path from 'node:path';
import type { Entry, NamedEntry, ReadEntriesOptions } from '../fs/entries.js';
import { describeIn } from '../fs/folder.js';
import { openInside } from '../fs/open.js';
import { encodeSegment } from '../http/url.js';
import { coverOf, libraryHints, LIBRARY_MAX_ENTRIES, posterInside, type EntryHint } from '../pages/listing/library.js';
import { kindOf } from '../pages/ui/kind.js';
import { readmeName, renderReadme } from '../pages/listing/readme.js';
import type { ListingPlace } from '../pages/listing/html.js';
import type { RequestContext } from './context.js';

/**
 * The library hints and the README of a folder page, worked out once its names are read (the page's head
 * is on its way meanwhile); a failure leaves them out, never the listing.
 */
export function pageExtras(
  ctx: RequestContext,
  abs: string,
  names: Promise<readonly NamedEntry[]>,
  state: { readonly policy: ReadEntriesOptions; readonly place: ListingPlace },
): { library: Promise<Map<string, EntryHint> | null>; readme: Promise<string> } {
  const folderName = ctx.url.segments.at(-1) ?? '';
  const library = names
    .then((named) => folderLibrary(abs, named, { policy: state.policy, folderName }))
    .catch(() => null);
  const prefix = state.place.linkPrefix ?? '';
  const readme = names
    .then((named) =>
      folderReadme(
        ctx,
        named.map((n) => n.name),
        prefix,
      ),
    )
    .catch(() => '');
  return { library, readme };
}

/** Sub-folders looked into for a poster when there are this few. */
const PEEK_FOLDERS = 24;
/**
 * The names a sub-folder's poster is looked for under, each stat'ed (at most 6 × 24 stats a page, never a
 * read of the sub-folder: one of them may hold 100,000 files).
 */
const SUB_POSTERS = ['poster.jpg', 'folder.jpg', 'cover.jpg', 'poster.png', 'folder.png', 'cover.png'];

/**
 * The library hints of a folder (null when it holds no media). With a few sub-folders, each one is asked
 * for its poster (`poster.jpg`, `folder.jpg`, `cover.jpg`), so a series' seasons and a shelf of shows
 * show theirs.
 */
export async function folderLibrary(
  abs: string,
  names: readonly NamedEntry[],
  state: { readonly policy: ReadEntriesOptions; readonly folderName: string },
): Promise<Map<string, EntryHint> | null> {
  if (names.length > LIBRARY_MAX_ENTRIES) return null;
  const subs = names.filter((n) => n.kind === 'directory');
  const subPosters = new Map<string, string>();
  if (subs.length > 0 && subs.length <= PEEK_FOLDERS) {
    await Promise.all(
      subs.map(async (sub) => {
        try {
          const candidates = SUB_POSTERS.map((name) => ({ name, kind: 'symlink' as const }));
          const inside = await describeIn(path.join(abs, sub.name), candidates, state.policy);
          const poster = posterInside(inside.filter((e) => e.type === 'file').map((e) => e.name));
          if (poster !== undefined) subPosters.set(sub.name, poster);
        } catch {
          // unreadable or outside the policy: no poster
        }
      }),
    );
  }
  return libraryHints({ names, folderName: state.folderName, subPosters });
}

/**
 * Bytes of a README read and rendered at most: a bigger file shows its beginning and a link to the rest.
 * Markdown is parsed in one go on the event loop (markdown-it has no incremental mode), so it is kept to what a
 * README holds: 16 KiB take 2–8 ms (64 KiB took 7–12 ms warm, up to 250 ms on a loaded machine), once per file
 * version; a plain-text README is only escaped, so it may be longer.
 */
export const README_LIMIT = { markdown: 16 * 1024, text: 256 * 1024 } as const;
/** Rendered READMEs kept, by file identity (path, device, inode, size, mtime): a changed file is rendered anew. */
const KEPT = 64;
const rendered = new Map<string, string>();

/**
 * The README section of the folder at URL `segments` whose names are `names` (with the folder's link
 * prefix), or `''` when it has none or it cannot be read (the listing shows without it, never an error).
 */
export async function folderReadme(ctx: RequestContext, names: readonly string[], prefix: string): Promise<string> {
  const name = readmeName(names);
  if (name === undefined) return '';
  let opened;
  try {
    opened = await openInside(ctx.root, { segments: [...ctx.url.segments, name], trailingSlash: false }, ctx.options);
  } catch {
    return '';
  }
  const { fh, stat, abs } = opened;
  try {
    if (!stat.isFile()) return '';
    const identity = `${abs}\u0000${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    const kept = rendered.get(identity);
    if (kept !== undefined) {
      rendered.delete(identity); // most recently used last
      rendered.set(identity, kept);
      return kept;
    }
    const limit = /\.(?:md|markdown)$/i.test(name) ? README_LIMIT.markdown : README_LIMIT.text;
    const length = Math.min(stat.size, limit);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await fh.read(buffer, read, length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const text = new TextDecoder('utf-8').decode(buffer.subarray(0, read));
    const html = await renderReadme({ name, text, cut: stat.size > read, href: prefix + encodeSegment(name) });
    rendered.set(identity, html);
    for (const old of rendered.keys()) {
      if (rendered.size <= KEPT) break;
      rendered.delete(old);
    }
    return html;
  } catch {
    return '';
  } finally {
    await fh.close();
  }
}

/** Tracks an audio player page lists (and plays through) at most. */
const ALBUM_TRACKS = 200;

/**
 * The album an audio file's player shows: the folder's cover (`cover.jpg`, `folder.jpg`, `front.jpg` …)
 * and its audio files in the listing's order (the first {@link ALBUM_TRACKS}), each stat'ed once, so that
 * only what the listing would show is offered (never a link out of the root).
 */
export async function albumOf(
  dir: string,
  files: readonly string[],
  options: ReadEntriesOptions,
): Promise<{ cover: string | null; tracks: Entry[] }> {
  const audio = files.filter((n) => kindOf(n, 'file') === 'audio').slice(0, ALBUM_TRACKS);
  const cover = coverOf(files);
  const named = [...audio, ...(cover === undefined ? [] : [cover])].map((name) => ({ name, kind: 'symlink' as const }));
  const shown = (await describeIn(dir, named, options)).filter((e) => e.type === 'file');
  const tracks = shown.filter((e) => e.name !== cover || kindOf(e.name, 'file') === 'audio');
  const coverShown = cover !== undefined && shown.some((e) => e.name === cover);
  const order = new Map(audio.map((name, i) => [name, i]));
  tracks.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  return { cover: coverShown ? (cover as string) : null, tracks };
}
