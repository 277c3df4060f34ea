import { fileHeader, fileMeta, prevNext, rawHref, type FileView } from './chrome.js';
import { escapeHtml } from '../ui/escape.js';
import { humanSize } from '../ui/format.js';
import { renderPage } from '../ui/page.js';

/** How much of a text file the view shows; the rest is one click away as a download. */
export const TEXT_VIEW_LIMIT = 1024 * 1024;

export interface TextView extends FileView {
  /** The first bytes of the file as text, or `null` when they look binary. */
  readonly text: string | null;
  /** `true` when the file is longer than what `text` holds. */
  readonly truncated: boolean;
}

/** NUL bytes do not occur in text files; a few in the first 8 KiB mean the file is binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8192);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Bytes of a text file (possibly cut mid-character at the cap) as a string; broken sequences become U+FFFD. */
export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
}

/** A text or code file, pre-formatted, capped at {@link TEXT_VIEW_LIMIT} with a note when cut. */
export function renderTextHtml(view: TextView): string {
  const download = `<a href="${escapeHtml(`${rawHref(view)}?download`)}" download="${escapeHtml(view.name)}">download the whole file</a>`;
  const cut = view.truncated
    ? `<p class="note" role="status">Showing the first ${humanSize(TEXT_VIEW_LIMIT)} of ${humanSize(view.size)}; ${download}.</p>`
    : '';
  const content =
    view.text === null
      ? `<p class="note" role="status">This file does not look like text. You can ${download}.</p>`
      : `<pre class="text" tabindex="0"><code>${escapeHtml(view.text)}</code></pre>`;
  const body = `${fileHeader(view)}
<main class="viewer textview">
${fileMeta(view)}
${cut}${content}
${prevNext(view)}
</main>`;
  return renderPage({ title: `${view.name} — aqua-serve`, base: view.base, kind: 'text', body });
}
