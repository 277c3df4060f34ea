import { fileHeader, fileMeta, prevNext, rawHref, type FileView } from './chrome.js';
import { escapeHtml } from '../ui/escape.js';
import { renderPage } from '../ui/page.js';

export interface ImageView extends FileView {
  /** 0-based position among the folder's images, and how many there are. */
  readonly index: number;
  readonly count: number;
}

/** An image shown whole on a dark stage, with previous/next (also ← and →). */
export function renderImageHtml(view: ImageView): string {
  const position = view.index >= 0 ? `<p class="position">${view.index + 1} / ${view.count}</p>` : '';
  const body = `${fileHeader(view)}
<main class="viewer image">
<div class="stage"><img id="picture" src="${escapeHtml(rawHref(view))}" alt="${escapeHtml(view.name)}" decoding="async"></div>
${prevNext(view)}
${position}
${fileMeta(view)}
<p class="keys"><kbd>←</kbd> previous · <kbd>→</kbd> next · <kbd>Esc</kbd> back to the folder</p>
</main>`;
  return renderPage({ title: `${view.name} — aqua-serve`, base: view.base, kind: 'image', body });
}
