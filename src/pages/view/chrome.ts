import { renderCrumbs } from '../ui/crumbs.js';
import { escapeHtml, hrefOf } from '../ui/escape.js';
import { exactTime, humanSize, SHARE_DAYS_TEXT } from '../ui/format.js';
import { icon } from '../ui/icons.js';

/** What every viewer page knows about its file. */
export interface FileView {
  /** Mount prefix, `''` at top level. */
  readonly base: string;
  /** Decoded folder path with leading and trailing slash. */
  readonly folder: string;
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** The Content-Type the raw file is served with. */
  readonly contentType: string;
  /** Previous and next file of the same viewer in the folder, or `null`. */
  readonly prev: string | null;
  readonly next: string | null;
  /** The `token` of this file's share link (behind `--auth`): a "Copy share link" button. */
  readonly share?: string | null;
  /** The folder (decoded, slashes both ends) `prev` / `next` are in when not this one: the season before or after. */
  readonly prevFolder?: string;
  readonly nextFolder?: string;
}

/** The raw file's URL (what `<video src>` and the download link use). */
export function rawHref(view: FileView): string {
  return hrefOf(view.base, view.folder, view.name);
}

/** The viewer URL of a sibling (or of a file in `folder`, a neighbouring season). */
export function viewHref(view: FileView, name: string, folder = view.folder): string {
  return `${hrefOf(view.base, folder, name)}?view`;
}

/** Header of a viewer page: breadcrumbs ending in the file name. */
export function fileHeader(view: FileView): string {
  return `<header class="bar">${renderCrumbs(view.base, view.folder, view.name)}</header>`;
}

/** Title, size · type · date, and the download / copy-link / raw buttons. */
export function fileMeta(view: FileView): string {
  const raw = rawHref(view);
  const name = escapeHtml(view.name);
  return `<div class="meta">
<h1 class="title">${name}</h1>
<p class="facts"><span>${humanSize(view.size)}</span><span>${escapeHtml(view.contentType.replace(/;.*$/, ''))}</span><span><time datetime="${new Date(view.mtimeMs).toISOString()}" title="${exactTime(view.mtimeMs)}">${exactTime(view.mtimeMs)}</time></span></p>
<p class="actions"><a class="btn primary" href="${escapeHtml(`${raw}?download`)}" download="${name}">${icon('download')}Download</a><button class="btn" type="button" data-copy="${escapeHtml(raw)}">${icon('link')}<span class="label">Copy link</span></button>${view.share ? shareButton(`${raw}?token=${encodeURIComponent(view.share)}`) : ''}<a class="btn" href="${escapeHtml(raw)}">Open file</a></p>
</div>`;
}

/** "Copy share link" (copy.js): the file's URL with its `?token=`, which also opens its subtitles and poster. */
const shareButton = (href: string): string =>
  `<button class="btn" type="button" data-copy="${escapeHtml(href)}" title="Copy a link that opens this file (and its subtitles) without the password for ${SHARE_DAYS_TEXT}">${icon('link')}<span class="label">Copy share link</span></button>`;

/** Previous / next links (`rel=prev` / `rel=next`, which the page script binds to keys). */
export function prevNext(view: FileView): string {
  const link = (rel: 'prev' | 'next', name: string | null, folder = view.folder): string => {
    if (name === null) return `<span class="step ${rel} disabled" aria-hidden="true"></span>`;
    // In another folder (the next season): its folder is named too, and the script's autoplay follows it all the same.
    const shown = folder === view.folder ? name : `${folder.split('/').at(-2) ?? ''} / ${name}`;
    const title = `${rel === 'prev' ? 'Previous' : 'Next'}: ${shown}`;
    return `<a class="step ${rel}" rel="${rel}" href="${escapeHtml(viewHref(view, name, folder))}" title="${escapeHtml(title)}">${rel === 'prev' ? icon('prev') : ''}<span class="step-name">${escapeHtml(shown)}</span>${rel === 'next' ? icon('next') : ''}</a>`;
  };
  return `<nav class="prevnext" aria-label="Previous and next">${link('prev', view.prev, view.prevFolder)}${link('next', view.next, view.nextFolder)}</nav>`;
}
