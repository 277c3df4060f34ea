import type MarkdownIt from 'markdown-it';
import { escapeHtml } from '../ui/escape.js';

/**
 * A folder's README as the part of its page below the list (issue 14). Markdown goes through markdown-it
 * with `html: false`: raw HTML in the file is shown as text, never passed through, so the page's strict
 * CSP needs nothing more; markdown-it's own link check drops `javascript:`, `vbscript:` and `data:` links.
 * Pictures from other sites are shown as their text (the pages make no outside request), the file's
 * headings go under the section's own `h2`. `README.txt` (or a bare `README`) is shown preformatted.
 */
/** An absolute URL or a scheme-relative one: a picture from elsewhere. */
const OUTSIDE = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

let markdown: Promise<MarkdownIt> | null = null;

/**
 * The markdown renderer, imported on the first README.md shown (once per process): markdown-it is 53 modules,
 * about 5 MiB of memory that a server whose folders have no README.md (and each `--workers` worker) never needs.
 */
function markdownIt(): Promise<MarkdownIt> {
  markdown ??= import('markdown-it').then(({ default: MarkdownIt }) => {
    const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
    md.core.ruler.push('aqua_readme', (state) => {
      for (const token of state.tokens) {
        if (token.type === 'heading_open' || token.type === 'heading_close')
          token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 2)}`;
        for (const child of token.children ?? []) {
          if (child.type !== 'image' || !OUTSIDE.test(child.attrGet('src') ?? '')) continue;
          child.type = 'text';
          child.tag = '';
          child.content = child.content === '' ? '[image]' : child.content;
          child.children = null;
        }
      }
    });
    return md;
  });
  return markdown;
}

/** A folder's README: `README.md` (any case, or `.markdown`), else `README.txt`, else `README`. */
export function readmeName(names: readonly string[]): string | undefined {
  const rank = (name: string): number => {
    const m = /^readme(?:\.(md|markdown|txt))?$/i.exec(name);
    if (!m) return -1;
    const ext = (m[1] ?? '').toLowerCase();
    return ext === 'md' || ext === 'markdown' ? 0 : ext === 'txt' ? 1 : 2;
  };
  let best: string | undefined;
  for (const name of names) {
    const r = rank(name);
    if (r >= 0 && (best === undefined || r < rank(best))) best = name;
  }
  return best;
}

export interface ReadmeSource {
  readonly name: string;
  /** The file's text (its first bytes only, when `cut`). */
  readonly text: string;
  /** The file was longer than what was read. */
  readonly cut: boolean;
  /** The file's link from the folder page (relative, encoded). */
  readonly href: string;
}

/** The README section of the folder page. */
export async function renderReadme(source: ReadmeSource): Promise<string> {
  const isMarkdown = /\.(?:md|markdown)$/i.test(source.name);
  const body = isMarkdown
    ? `<div class="markdown">${(await markdownIt()).render(source.text)}</div>`
    : `<pre class="readme-text">${escapeHtml(source.text)}</pre>`;
  const cut = source.cut
    ? `<p class="readme-cut">Only the beginning is shown: <a href="${escapeHtml(source.href)}">the whole file</a>.</p>`
    : '';
  return `<section class="readme" aria-labelledby="readme-title"><h2 id="readme-title">${escapeHtml(source.name)}</h2>\n${body}${cut}</section>\n`;
}
