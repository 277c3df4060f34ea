import { escapeHtml, hrefOf } from './escape.js';
import { icon } from './icons.js';

/**
 * Breadcrumbs for a folder path (`/a/b c/`), optionally ending in a file name: every folder is a link,
 * the last item (the current folder or file) is plain text marked `aria-current`.
 */
export function renderCrumbs(base: string, folderPath: string, fileName?: string): string {
  const segments = folderPath.split('/').filter((s) => s !== '');
  const items: string[] = [];
  const atRoot = segments.length === 0 && fileName === undefined;
  items.push(
    atRoot
      ? `<li><span aria-current="page">${icon('home')}<span>Home</span></span></li>`
      : `<li><a href="${escapeHtml(hrefOf(base, '/'))}" >${icon('home')}<span>Home</span></a></li>`,
  );
  segments.forEach((segment, i) => {
    const isLast = i === segments.length - 1 && fileName === undefined;
    const href = hrefOf(base, `/${segments.slice(0, i + 1).join('/')}/`);
    items.push(
      isLast
        ? `<li><span aria-current="page">${escapeHtml(segment)}</span></li>`
        : `<li><a href="${escapeHtml(href)}">${escapeHtml(segment)}</a></li>`,
    );
  });
  if (fileName !== undefined) items.push(`<li><span aria-current="page">${escapeHtml(fileName)}</span></li>`);
  return `<nav class="crumbs" aria-label="Breadcrumbs"><ol>${items.join('')}</ol></nav>`;
}
