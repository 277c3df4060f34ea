import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The pages' own CSS, JS and icons. They are real files in the package's `assets/` folder (shipped as they
 * are, no build step: `dist/pages/ui/assets.js` and `src/pages/ui/assets.ts` both find it at `../../../assets/`), read
 * once into memory, and served under a prefix no user file can take: `/.aqua/` is a dot-folder, which
 * the dotfile rule hides from listings and requests, and the handler routes it here before that rule.
 * Every URL carries a hash of the content, so it can be cached forever.
 */
export const ASSET_PREFIX = '/.aqua/';

const ASSET_DIR = new URL('../../../assets/', import.meta.url);

const TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Scripts of npm packages served the same way: hls.js (light build: no subtitles or alternate audio in the
 * playlists, which the player does not use) plays the converted films where the browser has no HLS of its own.
 */
const VENDOR: Readonly<Record<string, string>> = { 'hls.js': 'hls.js/dist/hls.light.min.js' };

export interface Asset {
  readonly hashedName: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
}

interface AssetTable {
  readonly byName: ReadonlyMap<string, Asset>;
  readonly byHashedName: ReadonlyMap<string, Asset>;
}

let table: AssetTable | null = null;

/** Reads the asset folder once (a handful of small files) and keeps it for the life of the process. */
function assets(): AssetTable {
  if (table) return table;
  const byName = new Map<string, Asset>();
  const byHashedName = new Map<string, Asset>();
  for (const name of readdirSync(ASSET_DIR).sort()) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? name.slice(dot) : '';
    const contentType = TYPES[ext];
    if (contentType === undefined) continue;
    const body = readFileSync(new URL(name, ASSET_DIR));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const asset: Asset = { hashedName: `${name.slice(0, dot)}.${hash}${ext}`, contentType, body, etag: `"${hash}"` };
    byName.set(name, asset);
    byHashedName.set(asset.hashedName, asset);
  }
  for (const [name, module] of Object.entries(VENDOR)) {
    let body: Buffer;
    try {
      body = readFileSync(createRequire(import.meta.url).resolve(module));
    } catch {
      continue; // the package is missing: pages that need it say the film cannot be played (see hasAsset)
    }
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const hashedName = `${name.slice(0, -3)}.${hash}.js`;
    const asset: Asset = { hashedName, contentType: TYPES['.js']!, body, etag: `"${hash}"` };
    byName.set(name, asset);
    byHashedName.set(asset.hashedName, asset);
  }
  table = { byName, byHashedName };
  return table;
}

/**
 * `assetUrl('style.css')` → `/.aqua/style.3f2a…c1.css` (prefix the mount base yourself). Unknown names throw: a typo
 * is a bug.
 */
export function assetUrl(name: string): string {
  const asset = assets().byName.get(name);
  if (!asset) throw new Error(`unknown asset ${name}`);
  return `${ASSET_PREFIX}${asset.hashedName}`;
}

/** Whether the asset `name` is there (an npm package's script may be missing from a broken install). */
export function hasAsset(name: string): boolean {
  return assets().byName.has(name);
}

/** The current asset whose hashed name is `hashedName` (`style.3f2a…c1.css`), or `undefined`. */
export function findAsset(hashedName: string): Asset | undefined {
  return assets().byHashedName.get(hashedName);
}
