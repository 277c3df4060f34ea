import type { Entry, Listing } from '../../fs/entries.js';
import { FIRST_ORDER, type SortKey, type SortOrder, type SortState } from '../../fs/sort.js';
import { renderCrumbs } from '../ui/crumbs.js';
import { childHref, escapeHtml, hrefOf } from '../ui/escape.js';
import { displayName, hasRawBytes } from '../../fs/names.js';
import { exactTime, humanSize, plural, relativeTime } from '../ui/format.js';
import { icon } from '../ui/icons.js';
import { KINDS, kindOf, linksToViewer, type Kind } from '../ui/kind.js';
import { renderPage } from '../ui/page.js';

/** How the listing is shown: the order the entries are in, and the clock relative dates are read against. */
export interface ListingView extends SortState {
  /** Milliseconds since the epoch; passed in so the renderer stays a pure function. */
  readonly now: number;
}

const COLUMNS: readonly { key: SortKey; label: string; className: string }[] = [
  { key: 'name', label: 'Name', className: 'col-name' },
  { key: 'size', label: 'Size', className: 'col-size' },
  { key: 'date', label: 'Modified', className: 'col-date' },
];

/**
 * A header cell whose link re-sorts by its column: the current column flips its order, another column
 * starts in its natural order. Plain links, so sorting works without JavaScript; the script takes
 * over the clicks to sort in place.
 */
function headerCell(column: (typeof COLUMNS)[number], view: ListingView): string {
  const active = view.sort === column.key;
  const nextOrder: SortOrder = active ? (view.order === 'asc' ? 'desc' : 'asc') : FIRST_ORDER[column.key];
  const ariaSort = active ? ` aria-sort="${view.order === 'asc' ? 'ascending' : 'descending'}"` : '';
  // An inactive column keeps a no-break space where the arrow goes: same width, same text baseline.
  const arrow = `<span class="arrow" aria-hidden="true">${active ? (view.order === 'asc' ? '↑' : '↓') : '&nbsp;'}</span>`;
  return `<th scope="col" class="${column.className}"${ariaSort}><a href="?sort=${column.key}&amp;order=${nextOrder}" data-sort="${column.key}">${column.label}${arrow}</a></th>`;
}

/** Row icons, built once: a listing of thousands of rows repeats them (see the 10,000-entry test). */
const KIND_ICONS: Readonly<Record<Kind, string>> = Object.freeze(
  Object.fromEntries(
    KINDS.map((kind) => [kind, `<svg class="icon k-${kind}" aria-hidden="true"><use href="#i-${kind}"/></svg>`]),
  ) as Record<Kind, string>,
);
/** After a name that is not all UTF-8 (those bytes shown as Latin-1; the link has the exact bytes). */
const RAW_NAME_MARK =
  '<small class="raw-name" title="This name is not valid UTF-8: its other bytes are shown as Latin-1">not UTF-8</small>';
const DOWNLOAD_ICON = '<svg class="icon" aria-hidden="true"><use href="#i-download"/></svg>';

/**
 * One entry's row. Kept lean (it is repeated per entry): the script reads the name from the link text,
 * the kind of row from `class="dir"`, and sorts by `data-size` / `data-mtime`; cells are styled by
 * position. A file's name opens its viewer when it has one (`?view`), otherwise the file itself.
 */
function entryRow(folderHref: string, entry: Entry, view: ListingView): string {
  const isDir = entry.type === 'directory';
  const kind = kindOf(entry.name, entry.type);
  const raw = escapeHtml(childHref(folderHref, entry.name, isDir));
  const open = !isDir && linksToViewer(entry.name, kind) ? `${raw}?view` : raw;
  const mtime = Number.isFinite(entry.mtimeMs) ? Math.trunc(entry.mtimeMs) : 0;
  const date = Number.isFinite(entry.mtimeMs)
    ? `<time title="${exactTime(entry.mtimeMs)}">${relativeTime(entry.mtimeMs, view.now)}</time>`
    : '';
  const size = isDir ? '—' : humanSize(entry.size);
  const download = isDir ? '' : `<a class="dl" href="${raw}?download" download title="Download">${DOWNLOAD_ICON}</a>`;
  return (
    `<tr${isDir ? ' class="dir"' : ''} data-size="${isDir ? 0 : entry.size}" data-mtime="${mtime}">` +
    `<td><a class="entry" href="${open}">${KIND_ICONS[kind]}<span class="name">${escapeHtml(displayName(entry.name))}</span>${hasRawBytes(entry.name) ? RAW_NAME_MARK : ''}</a></td>` +
    `<td>${size}</td><td>${date}</td><td>${download}</td></tr>`
  );
}

function totals(entries: readonly Entry[]): string {
  let folders = 0;
  let files = 0;
  let bytes = 0;
  for (const entry of entries) {
    if (entry.type === 'directory') folders++;
    else {
      files++;
      bytes += entry.size;
    }
  }
  return `${plural(folders, 'folder')}, ${plural(files, 'file')}, ${humanSize(bytes)}`;
}

/**
 * The folder page: breadcrumbs, a filter box, a table of entries (in the order given: the caller has
 * sorted them as `view` says), totals. Every name is HTML-escaped; every link is built from
 * percent-encoded segments, so any name links to itself.
 */
export function renderListingHtml(listing: Listing, view: ListingView): string {
  const atRoot = listing.path === '/';
  const parentPath = listing.path.replace(/[^/]*\/$/, '');
  const parentRow = atRoot
    ? ''
    : `<tr class="up"><td><a class="entry" href="${escapeHtml(hrefOf(listing.base, parentPath))}">${icon('up', 'k-up')}<span>Parent folder</span></a></td><td></td><td></td><td></td></tr>`;
  const folderHref = hrefOf(listing.base, listing.path);
  const rows = listing.entries.map((entry) => entryRow(folderHref, entry, view)).join('\n');
  const empty = listing.entries.length === 0 ? '<p class="empty">This folder is empty.</p>' : '';
  const body = `<header class="bar">
${renderCrumbs(listing.base, listing.path)}
<label class="filter">${icon('search')}<span class="sr">Filter</span><input id="filter" type="search" placeholder="Filter…  ( / )" autocomplete="off" spellcheck="false" aria-keyshortcuts="/"></label>
</header>
<main>
<table class="listing" data-sort="${view.sort}" data-order="${view.order}">
<thead><tr>${COLUMNS.map((c) => headerCell(c, view)).join('')}<th scope="col" class="col-dl"><span class="sr">Download</span></th></tr></thead>
<tbody>
${parentRow}
${rows}
</tbody>
</table>
${empty}<p class="no-match" hidden>No names match the filter.</p>
</main>
<footer class="totals"><span class="shown" hidden></span><span class="total">${totals(listing.entries)}</span></footer>`;
  return renderPage({ title: `${listing.path} — aqua-serve`, base: listing.base, kind: 'listing', body });
}
