import type { Entry, Listing } from '../../fs/entries.js';
import { FIRST_ORDER, type SortKey, type SortOrder, type SortState } from '../../fs/sort.js';
import { renderCrumbs } from '../ui/crumbs.js';
import { encodeSegment, escapeHtml } from '../ui/escape.js';
import { displayName, hasRawBytes } from '../../fs/names.js';
import { humanSize, plural, relativeTime, SHARE_DAYS_TEXT } from '../ui/format.js';
import { icon } from '../ui/icons.js';
import { kindOf, linksToViewer, type Kind } from '../ui/kind.js';
import { renderPage } from '../ui/page.js';
import type { EntryHint } from './library.js';

/** How the listing is shown: the order the entries are in, and the clock relative dates are read against. */
export interface ListingView extends SortState {
  /** Milliseconds since the epoch; passed in so the renderer stays a pure function. */
  readonly now: number;
  /** Offer the "Download folder" button (folder archives are on). */
  readonly archives?: boolean;
  /** Offer uploads into this folder (`--upload` covers it): the button, the drop zone, `upload.js`. */
  readonly upload?: boolean;
  /** The `token` of this folder's share link (behind `--auth`): a "Copy share link" button. */
  readonly share?: string | null;
  /** The library view's hints, by name (library.ts), for a folder that holds media. */
  readonly library?: Promise<ReadonlyMap<string, EntryHint> | null> | ReadonlyMap<string, EntryHint> | null;
  /** The folder's README rendered (readme.ts), shown below the list; trusted HTML. */
  readonly readme?: Promise<string> | string;
}

/** What the page around the rows is made from: the listing without its entries. */
export interface ListingPlace extends Omit<Listing, 'entries'> {
  /**
   * What row links start with: `''` when the page's own URL ends in `/` (the usual case: links are the
   * bare names), `media/` for a mount root reached as `/media`, where a bare name would leave the mount.
   */
  readonly linkPrefix?: string;
}

const COLUMNS: readonly { key: SortKey; label: string; className: string }[] = [
  { key: 'name', label: 'Name', className: 'col-name' },
  { key: 'size', label: 'Size', className: 'col-size' },
  { key: 'date', label: 'Modified', className: 'col-date' },
];

/**
 * A header cell that re-sorts by its column: the current column flips its order, another column starts
 * in its natural order. A tiny GET form rather than a link, so sorting works without JavaScript while
 * crawlers and mirroring tools (which follow links, never forms) do not fetch a copy per order; the
 * script takes over the clicks to sort in place.
 */
function headerCell(column: (typeof COLUMNS)[number], view: SortState): string {
  const active = view.sort === column.key;
  const nextOrder: SortOrder = active ? (view.order === 'asc' ? 'desc' : 'asc') : FIRST_ORDER[column.key];
  const ariaSort = active ? ` aria-sort="${view.order === 'asc' ? 'ascending' : 'descending'}"` : '';
  // An inactive column keeps a no-break space where the arrow goes: same width, same text baseline.
  const arrow = `<span class="arrow" aria-hidden="true">${active ? (view.order === 'asc' ? '↑' : '↓') : '&nbsp;'}</span>`;
  return (
    `<th scope="col" class="${column.className}"${ariaSort}><form><input type="hidden" name="order" value="${nextOrder}">` +
    `<button name="sort" value="${column.key}" data-sort="${column.key}">${column.label}${arrow}</button></form></th>`
  );
}

/**
 * Row classes, one letter each (a 10,000-row page repeats them): the kind, which gives the row its icon
 * (drawn by the stylesheet, so the link holds nothing but the name) and tells the script which files
 * open in a viewer. `h` is a page the browser renders itself: text icon, no viewer.
 */
export const ROW_CLASS: Readonly<Record<Kind | 'page', string>> = Object.freeze({
  folder: 'd',
  video: 'v',
  audio: 'a',
  image: 'i',
  text: 't',
  page: 'h',
  archive: 'z',
  other: 'o',
});

/**
 * One entry's row, on a line of its own, as small as it can be: `<a href="name">name</a>` with a
 * relative href and the plain name as its only text — the shape Apache and nginx autoindex pages have,
 * which wget, rclone and Kodi's HTTP-directory parser (one `<a href="…">…</a>` per line, text equal to
 * the decoded href) recognise. The link is the file itself, never `?view`: the script opens the viewer
 * on click, so a mirror fetches each file once. The script sorts by `data-s` / `data-m`; optional end
 * tags are left out.
 */
export function entryRow(
  entry: Entry,
  now: number,
  prefix = '',
  library?: ReadonlyMap<string, EntryHint> | null,
): string {
  const isDir = entry.type === 'directory';
  const kind = kindOf(entry.name, entry.type);
  const code = ROW_CLASS[kind === 'text' && !linksToViewer(entry.name, kind) ? 'page' : kind];
  const href = escapeHtml(prefix + encodeSegment(entry.name)) + (isDir ? '/' : '');
  const finite = Number.isFinite(entry.mtimeMs);
  const mtime = finite ? Math.trunc(entry.mtimeMs) : 0;
  const date = finite ? relativeTime(entry.mtimeMs, now) : '';
  const size = isDir ? '—' : humanSize(entry.size);
  const hints = library ? libraryAttributes(href, prefix, library.get(entry.name)) : '';
  return (
    `<tr class="${code}" data-s="${isDir ? 0 : entry.size}" data-m="${mtime}"${hints}>` +
    `<td><a href="${href}">${escapeHtml(displayName(entry.name))}</a>${hasRawBytes(entry.name) ? RAW_NAME_MARK : ''}` +
    `<td>${size}<td>${date}<td>\n`
  );
}

/**
 * A library row's attributes (listing.js reads them): `data-entry` (the row's link, stable, for the
 * scripts that mark rows), the video a sidecar is folded under, a subtitle's language, the poster's link,
 * the season and episode. Links are relative, encoded like the row's own.
 */
function libraryAttributes(href: string, prefix: string, hint: EntryHint | undefined): string {
  let out = ` data-entry="${href}"`;
  if (hint === undefined) return out;
  const link = (path: string): string => escapeHtml(prefix + path.split('/').map(encodeSegment).join('/'));
  if (hint.of !== undefined) out += ` data-of="${link(hint.of)}${hint.ofFolder ? '/' : ''}"`;
  if (hint.lang !== undefined) out += ` data-lang="${escapeHtml(hint.lang)}"`;
  if (hint.poster !== undefined) out += ` data-poster="${link(hint.poster)}"`;
  if (hint.season !== undefined) out += ` data-season="${hint.season}"`;
  if (hint.episode !== undefined) out += ` data-episode="${hint.episode}"`;
  return out;
}

/** After a name that is not all UTF-8 (those bytes shown as Latin-1; the link has the exact bytes). */
const RAW_NAME_MARK =
  '<small class="raw-name" title="This name is not valid UTF-8: its other bytes are shown as Latin-1">not UTF-8</small>';

/** Running totals of the rows sent so far: the footer is written after the last row. */
export class Totals {
  folders = 0;
  files = 0;
  bytes = 0;

  add(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.type === 'directory') this.folders++;
      else {
        this.files++;
        this.bytes += entry.size;
      }
    }
  }

  toString(): string {
    return `${plural(this.folders, 'folder')}, ${plural(this.files, 'file')}, ${humanSize(this.bytes)}`;
  }
}

/**
 * The folder's own download, a ZIP of everything the listing shows. A GET form, not a link: crawlers and
 * mirrors (wget -r) follow links but never submit forms, so a mirror does not fetch every folder twice.
 */
const DOWNLOAD_FOLDER =
  `<form class="dl-folder-form"><button class="dl-folder" name="download" value="zip" title="Download this folder as a ZIP">` +
  `${icon('download')}<span>Download folder</span></button></form>`;

/** What a folder is called in its tab title and heading: its own name (`Films` for `/Films/`), or `Home`. */
export function folderName(folderPath: string): string {
  const segments = folderPath.split('/').filter((s) => s !== '');
  return segments.at(-1) ?? 'Home';
}

/** "Copy share link" (copy.js): this folder's URL with its `?token=`, for whoever has no password. */
const shareButton = (token: string): string =>
  `<button class="btn" type="button" data-copy="?token=${encodeURIComponent(token)}" title="Copy a link that opens this folder without the password for ${SHARE_DAYS_TEXT}">${icon('link')}<span class="label">Copy share link</span></button>`;

/** Uploads (upload.js): a button with its file picker, and the list of uploads with their progress. */
const UPLOAD_BUTTON =
  `<span class="upload-pick"><button class="dl-folder" type="button" data-upload-pick title="Upload files into this folder (or drop files and folders on the page)">` +
  `${icon('up')}<span>Upload</span></button><input type="file" multiple hidden data-upload-input></span>`;
const UPLOAD_LIST = `\n<section class="uploads" data-upload hidden><h2 class="sr">Uploads</h2><ul></ul><button class="dl-folder" type="button" data-upload-reload hidden>Show the new files</button></section>`;

/** Where the rows go in the page: split out once the page around them is rendered. */
const ROWS = '\u0000rows\u0000';

/**
 * The folder page around its rows: `start` ends inside the table body, `end(totals)` closes it with the
 * totals and the empty-folder note. Breadcrumbs, filter, the playlist buttons and sort forms are here.
 */
export function listingShell(
  place: ListingPlace,
  view: SortState & Pick<ListingView, 'archives' | 'upload' | 'share'>,
): { start: string; end: (totals: Totals, readme?: string) => string } {
  const parentRow =
    place.path === '/'
      ? ''
      : `<tr class="up"><td><a href="../">${icon('up', 'k-up')}<span>Parent folder</span></a><td><td><td>\n`;
  const body = `<header class="bar">
${renderCrumbs(place.base, place.path)}
<label class="filter">${icon('search')}<span class="sr">Filter</span><input id="filter" type="search" placeholder="Filter…  ( / )" autocomplete="off" spellcheck="false" aria-keyshortcuts="/"></label>
<span class="playlist" hidden><button class="btn" type="button" data-playlist="open" title="Open this folder's media as a playlist (VLC, mpv, Kodi)">${icon('video')}Play in VLC</button><button class="btn" type="button" data-playlist="copy" title="Copy the playlist's address">${icon('link')}<span class="label">Copy playlist</span></button></span>${view.archives ? DOWNLOAD_FOLDER : ''}${view.upload ? UPLOAD_BUTTON : ''}${view.share ? shareButton(view.share) : ''}
</header>${view.upload ? UPLOAD_LIST : ''}
<main>
<h1 class="sr">${escapeHtml(folderName(place.path))}</h1>
<table class="listing" data-sort="${view.sort}" data-order="${view.order}">
<thead><tr>${COLUMNS.map((c) => headerCell(c, view)).join('')}<th scope="col" class="col-dl"><span class="sr">Download</span></th></tr></thead>
<tbody>
${parentRow}${ROWS}</tbody>
</table>
${ROWS}<p class="no-match" hidden>No names match the filter.</p>
${ROWS}</main>
<footer class="totals"><span class="shown" hidden></span><span class="total">${ROWS}</span></footer>`;
  const scripts = view.upload ? ['upload.js', 'folders.js'] : [];
  const page = renderPage({
    title: `${folderName(place.path)} — aqua-serve`,
    base: place.base,
    kind: 'listing',
    body,
    scripts,
  });
  const [start, beforeEmpty, beforeReadme, beforeTotals, after] = page.split(ROWS) as [
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    start,
    end: (totals, readme = '') => {
      const empty = totals.folders + totals.files === 0 ? '<p class="empty">This folder is empty.</p>\n' : '';
      return `${beforeEmpty}${empty}${beforeReadme}${readme}${beforeTotals}${totals.toString()}${after}`;
    },
  };
}

/**
 * The folder page as it is sent: the page start at once, then each batch of rows as it arrives, then
 * the end. Every name is HTML-escaped; every link is a percent-encoded segment, so any name links to
 * itself.
 */
export async function* listingHtml(
  place: ListingPlace,
  view: ListingView,
  batches: AsyncIterable<readonly Entry[]>,
): AsyncGenerator<string> {
  const shell = listingShell(place, view);
  yield shell.start;
  const totals = new Totals();
  const library = await view.library;
  for await (const batch of batches) {
    let rows = '';
    for (const entry of batch) rows += entryRow(entry, view.now, place.linkPrefix, library);
    totals.add(batch);
    if (rows !== '') yield rows;
  }
  yield shell.end(totals, await view.readme);
}

/** The whole page at once, for entries already in display order (the pure form the tests read). */
export function renderListingHtml(
  listing: Listing & ListingPlace,
  view: ListingView & { readonly library?: ReadonlyMap<string, EntryHint> | null; readonly readme?: string },
): string {
  const shell = listingShell(listing, view);
  const totals = new Totals();
  totals.add(listing.entries);
  return (
    shell.start +
    listing.entries.map((e) => entryRow(e, view.now, listing.linkPrefix, view.library)).join('') +
    shell.end(totals, view.readme)
  );
}
