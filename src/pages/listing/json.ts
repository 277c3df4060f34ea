import type { Listing } from '../../fs/entries.js';
import { displayName, hasRawBytes } from '../../fs/names.js';
import { encodeSegment } from '../../http/url.js';

/**
 * `{ "path": "/sub/", "entries": [{ "name", "type", "size", "mtime" }] }` with ISO-8601 times. A name that
 * is not valid UTF-8 has `name` in a readable form (its other bytes read as Latin-1, so always valid JSON)
 * and `nameBytes`: the exact bytes, percent-encoded (`caf%E9`), which is also its URL segment.
 */
export function renderListingJson(listing: Listing): string {
  return JSON.stringify({
    path: displayName(listing.path),
    entries: listing.entries.map((e) => ({
      name: displayName(e.name),
      ...(hasRawBytes(e.name) ? { nameBytes: encodeSegment(e.name) } : {}),
      type: e.type,
      size: e.size,
      mtime: new Date(e.mtimeMs).toISOString(),
    })),
  });
}
