import { assetUrl } from './assets.js';
import { escapeHtml } from './escape.js';
import { iconSprite } from './icons.js';

/**
 * The policy every page is sent with: only aqua-serve's own scripts, styles and media; no inline code,
 * no framing, no other origin. Pages and assets are built to need nothing more.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers for an HTML page (listing or viewer); the body is generated, so it is always revalidated. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
});

export type PageKind = 'listing' | 'player' | 'image' | 'text' | 'results';

export interface PageParts {
  /** Plain text; escaped here. */
  readonly title: string;
  /** Mount prefix (`''` at top level) that asset URLs are put under. */
  readonly base: string;
  readonly kind: PageKind;
  /** Trusted HTML of `<body>` (built by the renderers from escaped parts). */
  readonly body: string;
  /** Further classic scripts of the page, by asset name (`upload.js` where uploads are on). */
  readonly scripts?: readonly string[];
}

/** The scripts of each kind of page, run in this order (module scripts: deferred, each its own scope). */
const SCRIPTS: Readonly<Record<PageKind, readonly string[]>> = {
  listing: ['listing.js', 'library.js', 'listing-return.js', 'shelves.js', 'copy.js'],
  player: ['viewer.js', 'player.js', 'copy.js'],
  image: ['viewer.js', 'copy.js'],
  text: ['viewer.js', 'copy.js'],
  results: ['shelves.js'],
};

/** The stylesheets of each kind of page: the shared one, the kind's own, then the screen sizes. */
const STYLES: Readonly<Record<PageKind, readonly string[]>> = {
  listing: ['style.css', 'listing.css', 'shelves.css', 'screens.css'],
  player: ['style.css', 'viewer.css', 'screens.css'],
  image: ['style.css', 'viewer.css', 'screens.css'],
  text: ['style.css', 'viewer.css', 'screens.css'],
  results: ['style.css', 'shelves.css', 'screens.css'],
};

/** The document around a page's body: meta, the stylesheets, the scripts, and the icon symbols. */
export function renderPage(parts: PageParts): string {
  const scripts = SCRIPTS[parts.kind]
    .map((name) => `<script type="module" src="${escapeHtml(parts.base + assetUrl(name))}"></script>`)
    .join('\n');
  const styles = STYLES[parts.kind]
    .map((name) => `<link rel="stylesheet" href="${escapeHtml(parts.base + assetUrl(name))}">`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(parts.title)}</title>
<link rel="icon" href="${escapeHtml(parts.base + assetUrl('favicon.svg'))}" type="image/svg+xml">
${styles}
${scripts}
${(parts.scripts ?? []).map((name) => `<script defer src="${escapeHtml(parts.base + assetUrl(name))}"></script>\n`).join('')}</head>
<body class="page-${parts.kind}">
${iconSprite()}
${parts.body}
</body>
</html>
`;
}
