import type { Hit, WalkReport } from '../../fs/search.js';
import { displayName, hasRawBytes } from '../../fs/names.js';
import { encodeSegment } from '../../http/url.js';
import { renderCrumbs } from '../ui/crumbs.js';
import { escapeHtml, hrefOf } from '../ui/escape.js';
import { humanSize, plural, relativeTime } from '../ui/format.js';
import { hasViewer, kindOf, linksToViewer } from '../ui/kind.js';
import { icon } from '../ui/icons.js';
import { renderPage } from '../ui/page.js';
import { folderName } from '../listing/html.js';

/** Where the results are from: the mount base and the searched folder (decoded, slashes both ends). */
export interface ResultsPlace {
  readonly base: string;
  readonly path: string;
}

/** What the page lists: a search (`?q=`), or the newest media (`?recent`). */
export type ResultsKind = { readonly search: string } | { readonly recent: true };

/** The decoded folder path of a hit (`/Series/Season 1/`). */
function folderOfHit(place: ResultsPlace, hit: Hit): string {
  return place.path + hit.parent.map((s) => `${s}/`).join('');
}

/** A hit's link: a folder's page, a file's viewer when it has one (as a listing's click opens), else the file. */
export function hitHref(place: ResultsPlace, hit: Hit): string {
  const isDir = hit.entry.type === 'directory';
  const href = hrefOf(place.base, folderOfHit(place, hit), hit.entry.name, isDir);
  const kind = kindOf(hit.entry.name, hit.entry.type);
  return !isDir && hasViewer(kind) && linksToViewer(hit.entry.name, kind) ? `${href}?view` : href;
}

const ROW_CLASS: Readonly<Record<string, string>> = { folder: 'd', video: 'v', audio: 'a', image: 'i', text: 't' };

/**
 * One result: its name linking like a listing's row would open it, the folder it is in (a link), its
 * size and date. `data-entry` holds the file's own URL (what the player remembers positions by).
 */
export function resultItem(place: ResultsPlace, hit: Hit, now: number): string {
  const { entry } = hit;
  const folder = folderOfHit(place, hit);
  const kind = kindOf(entry.name, entry.type);
  const raw = hrefOf(place.base, folder, entry.name, entry.type === 'directory');
  // Where it is, from the searched folder down (`The Show / Season 1`), or the searched folder's own name.
  const where = hit.parent.length > 0 ? hit.parent.join(' / ') : folderName(place.path);
  const facts = `${entry.type === 'directory' ? 'folder' : humanSize(entry.size)} · ${relativeTime(entry.mtimeMs, now)}`;
  return (
    `<li class="hit ${ROW_CLASS[kind] ?? 'o'}" data-entry="${escapeHtml(raw)}"><a class="hit-name" href="${escapeHtml(hitHref(place, hit))}">${icon(kind, `k-${kind}`)}<span>${escapeHtml(displayName(entry.name))}</span></a>` +
    `<span class="hit-in">in <a href="${escapeHtml(hrefOf(place.base, folder))}">${escapeHtml(displayName(where))}</a></span>` +
    `<span class="hit-facts">${facts}</span></li>\n`
  );
}

function searchForm(query: string): string {
  return `<form class="search-form" role="search"><label class="filter">${icon('search')}<span class="sr">Search all folders below</span><input name="q" type="search" value="${escapeHtml(query)}" placeholder="Search all folders…" autocomplete="off" spellcheck="false"></label><button class="btn" type="submit">Search</button></form>`;
}

/** Why a walk stopped early, said plainly. */
function stoppedNote(report: WalkReport): string {
  switch (report.stopped) {
    case null:
      return '';
    case 'results':
      return 'Only the first results are shown: narrow the search with another word.';
    case 'depth':
      return 'Folders nested very deep were not searched.';
    case 'entries':
      return `The search stopped after ${report.visited.toLocaleString('en')} names: search from a folder further down.`;
    case 'time':
      return 'The search took too long and stopped: search from a folder further down.';
  }
}

/** The results page around its items: `start` ends inside the list, `end(count, report)` closes it with the tally. */
export function resultsShell(
  place: ResultsPlace,
  kind: ResultsKind,
): { start: string; end: (count: number, report: WalkReport) => string } {
  const here = folderName(place.path);
  const heading = 'search' in kind ? `Search in ${here} for “${kind.search}”` : `Recently added in ${here}`;
  const body = `<header class="bar">
${renderCrumbs(place.base, place.path)}
${searchForm('search' in kind ? kind.search : '')}
</header>
<main class="results-page">
<h1 class="results-title">${escapeHtml(heading)}</h1>
<ol class="results" aria-live="polite">
`;
  const start = renderPage({
    title: `${heading} — aqua-serve`,
    base: place.base,
    kind: 'results',
    body: `${body}\u0000`,
  }).split('\u0000')[0] as string;
  return {
    start,
    end: (count, report) => {
      const none =
        count === 0
          ? `<p class="empty">${'search' in kind ? 'No names match.' : 'No videos or audio here.'}</p>\n`
          : '';
      const note = stoppedNote(report);
      return `</ol>\n${none}<p class="tally" data-done>${plural(count, 'result')}, ${plural(report.visited, 'name')} looked at.${note === '' ? '' : ` ${escapeHtml(note)}`}</p>\n</main>\n</body>\n</html>\n`;
    },
  };
}

/** One hit as a JSON object: its name, the folder it is in, its URL, type, size and date. */
export function hitJson(place: ResultsPlace, hit: Hit): string {
  const { entry } = hit;
  return JSON.stringify({
    name: displayName(entry.name),
    ...(hasRawBytes(entry.name) ? { nameBytes: encodeSegment(entry.name) } : {}),
    folder: displayName(folderOfHit(place, hit)),
    url: hrefOf(place.base, folderOfHit(place, hit), entry.name, entry.type === 'directory'),
    type: entry.type,
    size: entry.size,
    mtime: new Date(entry.mtimeMs).toISOString(),
  });
}

/** The walk's tally as JSON members: `"visited":N,"stopped":null|"time"|…`. */
export function reportJson(report: WalkReport): string {
  return `"visited":${report.visited},"stopped":${JSON.stringify(report.stopped)}`;
}
