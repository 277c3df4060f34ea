import { encodePath } from '../resolve.js';
import { escapeHtml, humanSize } from './format.js';
import type { Listing } from './model.js';
import type { SortState } from './sort.js';

/** The folder page: breadcrumbs, a parent link, one row per entry. A pure function of the model. */
export function renderListingHtml(listing: Listing, _view: SortState): string {
  const segments = listing.path.split('/').filter(Boolean);
  const here = listing.base + encodePath(segments) + '/';
  const crumbs = [`<a href="${escapeHtml(listing.base + '/')}">~</a>`];
  for (let i = 0; i < segments.length; i++) {
    crumbs.push(`<a href="${escapeHtml(listing.base + encodePath(segments.slice(0, i + 1)) + '/')}">${escapeHtml(segments[i])}</a>`);
  }
  const rows: string[] = [];
  if (segments.length > 0) rows.push(`<tr><td><a href="../">../</a></td><td></td><td></td><td>parent</td></tr>`);
  for (const e of listing.entries) {
    const href = escapeHtml(here + encodeURIComponent(e.name) + (e.type === 'directory' ? '/' : ''));
    const name = escapeHtml(e.name) + (e.type === 'directory' ? '/' : '');
    const iso = new Date(e.mtimeMs).toISOString();
    const when = iso.slice(0, 10) + ' ' + iso.slice(11, 19);
    rows.push(
      `<tr><td><a href="${href}">${name}</a></td><td>${e.type === 'file' ? humanSize(e.size) : ''}</td>` +
        `<td><time datetime="${iso}">${when}</time></td><td>${e.type === 'directory' ? 'folder' : 'file'}</td></tr>`,
    );
  }
  const title = escapeHtml(listing.path);
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>Index of ${title}</title><style>body{font:15px/1.5 system-ui,sans-serif;margin:1.5rem auto;max-width:60rem;padding:0 1rem}` +
    `table{width:100%;border-collapse:collapse}td{padding:.3rem .5rem;border-bottom:1px solid #8883}` +
    `@media(prefers-color-scheme:dark){body{background:#0f1a21;color:#d8e4ea}a{color:#7cc4ff}}</style></head>` +
    `<body><nav>${crumbs.join(' / ')}</nav><h1>Index of ${title}</h1><table><tbody>${rows.join('')}</tbody></table></body></html>\n`
  );
}
