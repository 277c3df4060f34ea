import type { Listing } from '../../fs/entries.js';

/** `{ "path": "/sub/", "entries": [{ "name", "type", "size", "mtime" }] }` with ISO-8601 times. */
export function renderListingJson(listing: Listing): string {
  return JSON.stringify({
    path: listing.path,
    entries: listing.entries.map((e) => ({
      name: e.name,
      type: e.type,
      size: e.size,
      mtime: new Date(e.mtimeMs).toISOString(),
    })),
  });
}
