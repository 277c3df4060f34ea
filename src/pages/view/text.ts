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

/** Where the escaped text goes in the page. */
const TEXT = '\u0000text\u0000';

/**
 * The text view around its text: `start` ends inside `<pre><code>`, `end` closes it, so the escaped
 * text can be streamed between them (see `escapeHtml`). `view.text` is ignored; `binary` gives the
 * note instead of the text (then `start + end` is the whole page).
 */
export function textViewShell(view: Omit<TextView, 'text'> & { readonly binary: boolean }): {
  start: string;
  end: string;
} {
  const download = `<a href="${escapeHtml(`${rawHref(view)}?download`)}" download="${escapeHtml(view.name)}">download the whole file</a>`;
  const cut = view.truncated
    ? `<p class="note" role="status">Showing the first ${humanSize(TEXT_VIEW_LIMIT)} of ${humanSize(view.size)}; ${download}.</p>`
    : '';
  const content = view.binary
    ? `<p class="note" role="status">This file does not look like text. You can ${download}.</p>`
    : `<pre class="text" tabindex="0"><code>${TEXT}</code></pre>`;
  const body = `${fileHeader(view)}
<main class="viewer textview">
${fileMeta(view)}
${cut}${content}
${prevNext(view)}
</main>`;
  const page = renderPage({ title: `${view.name} — aqua-serve`, base: view.base, kind: 'text', body });
  const at = page.indexOf(TEXT);
  return at < 0 ? { start: page, end: '' } : { start: page.slice(0, at), end: page.slice(at + TEXT.length) };
}

/** A text or code file, pre-formatted, capped at {@link TEXT_VIEW_LIMIT} with a note when cut. */
export function renderTextHtml(view: TextView): string {
  const shell = textViewShell({ ...view, binary: view.text === null });
  return shell.start + (view.text === null ? '' : escapeHtml(view.text)) + shell.end;
}

/**
 * `escapeHtml` for long text: five native `replaceAll` passes are several times faster than one regex
 * with a callback on text dense with `<&>` (a 1 MiB view is escaped in slices of 16 KiB).
 */
export function escapeText(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
