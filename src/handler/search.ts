/** A folder's library answers: `?q=` (search of the names below it) and `?recent` (its newest media). */
import type { ReadEntriesOptions } from '../fs/entries.js';
import {
  queryWords,
  recentFiles,
  RECENT_LIMITS,
  SEARCH_LIMITS,
  searchTree,
  type Hit,
  type WalkLimits,
  type WalkReport,
} from '../fs/search.js';
import { HttpError } from '../http/errors.js';
import { hitJson, reportJson, resultItem, resultsShell, type ResultsPlace } from '../pages/library/results.js';
import { kindOf } from '../pages/ui/kind.js';
import type { RequestContext } from './context.js';
import { HTML } from './page.js';
import { sendStreamed } from './stream.js';

/** Longest query accepted (a name is at most 255 bytes; a longer query cannot be meant). */
const MAX_QUERY = 256;

/** Limits of one library walk (the tests narrow them to see a bound hold). */
export const LIBRARY_LIMITS: { search: WalkLimits; recent: WalkLimits } = {
  search: SEARCH_LIMITS,
  recent: RECENT_LIMITS,
};

/**
 * `?q=words` or `?recent` on the folder at real path `abs` (already known to be a listable folder). A
 * search streams: the page (or NDJSON, `&format=json`) starts at once and each hit goes out when found.
 */
export async function serveLibrary(ctx: RequestContext, abs: string, place: ResultsPlace): Promise<void> {
  const json = ctx.route.format === 'json';
  const policy: ReadEntriesOptions = {
    root: ctx.root,
    dotfiles: ctx.options.dotfiles,
    followSymlinks: ctx.options.followSymlinks,
  };
  const report: WalkReport = { visited: 0, stopped: null };
  const query = ctx.route.query;
  if (query === null) {
    const walk = { ...policy, limits: LIBRARY_LIMITS.recent, report };
    const parts = json ? () => recentJson(abs, place, walk) : () => recentHtml(abs, place, walk);
    return sendStreamed(ctx, json ? JSON_TYPE : HTML, parts, { page: !json });
  }
  if (query.length > MAX_QUERY) throw new HttpError(400, 'search query too long');
  const words = queryWords(query);
  const walk = { ...policy, limits: LIBRARY_LIMITS.search, report };
  const parts = json ? () => searchNdjson(abs, place, words, walk) : () => searchHtml(abs, place, query, words, walk);
  return sendStreamed(ctx, json ? NDJSON : HTML, parts, { page: !json, eager: true });
}

const JSON_TYPE = 'application/json; charset=utf-8';
const NDJSON = 'application/x-ndjson; charset=utf-8';

type Walk = ReadEntriesOptions & { readonly limits: WalkLimits; readonly report: WalkReport };

async function* searchHtml(
  abs: string,
  place: ResultsPlace,
  query: string,
  words: readonly string[],
  walk: Walk,
): AsyncGenerator<string> {
  const shell = resultsShell(place, { search: query });
  yield shell.start;
  let count = 0;
  const now = Date.now();
  if (words.length > 0) {
    for await (const hit of searchTree(abs, words, walk)) {
      count++;
      yield resultItem(place, hit, now);
    }
  }
  yield shell.end(count, walk.report);
}

/** NDJSON: one hit per line as it is found, then `{"done":true,"visited":N,"stopped":…}`. */
async function* searchNdjson(
  abs: string,
  place: ResultsPlace,
  words: readonly string[],
  walk: Walk,
): AsyncGenerator<string> {
  let count = 0;
  if (words.length > 0) {
    for await (const hit of searchTree(abs, words, walk)) {
      count++;
      yield `${hitJson(place, hit)}\n`;
    }
  }
  yield `{"done":true,"results":${count},${reportJson(walk.report)}}\n`;
}

function isMedia(name: string): boolean {
  const kind = kindOf(name, 'file');
  return kind === 'video' || kind === 'audio';
}

/** How long a folder's newest media are kept: every folder page asks for them, and a walk is not free. */
const RECENT_TTL_MS = 30_000;
const RECENT_KEPT = 32;
interface Recent {
  readonly hits: Hit[];
  readonly report: WalkReport;
}
const recentKept = new Map<string, { at: number; limits: WalkLimits; recent: Promise<Recent> }>();

/**
 * The newest media below `abs`, walked at most once per {@link RECENT_TTL_MS} per folder and policy (the
 * folder pages of a library all ask for their row when they open). A failed walk is not kept.
 */
function recent(abs: string, walk: Walk): Promise<Recent> {
  const key = `${walk.dotfiles}:${walk.followSymlinks}:${abs}`;
  const kept = recentKept.get(key);
  if (kept && performance.now() - kept.at < RECENT_TTL_MS && kept.limits === walk.limits) return kept.recent;
  const found = recentFiles(abs, isMedia, walk).then((hits) => ({ hits, report: walk.report }));
  recentKept.delete(key);
  recentKept.set(key, { at: performance.now(), limits: walk.limits, recent: found });
  if (recentKept.size > RECENT_KEPT) recentKept.delete(recentKept.keys().next().value as string);
  found.catch(() => recentKept.delete(key));
  return found;
}

async function* recentHtml(abs: string, place: ResultsPlace, walk: Walk): AsyncGenerator<string> {
  const shell = resultsShell(place, { recent: true });
  yield shell.start;
  const { hits, report } = await recent(abs, walk);
  const now = Date.now();
  yield hits.map((hit) => resultItem(place, hit, now)).join('');
  yield shell.end(hits.length, report);
}

/** `{"path":"/","entries":[…newest first],"visited":N,"stopped":…}`. */
async function* recentJson(abs: string, place: ResultsPlace, walk: Walk): AsyncGenerator<string> {
  const { hits, report } = await recent(abs, walk);
  yield `{"path":${JSON.stringify(place.path)},"entries":[${hits.map((h) => hitJson(place, h)).join(',')}],${reportJson(report)}}`;
}
