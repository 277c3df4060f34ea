import type { Entry, Listing } from '../../fs/entries.js';
import type { ListingPlace } from './html.js';

function entryJson(e: Entry): string {
  return JSON.stringify({ name: e.name, type: e.type, size: e.size, mtime: new Date(e.mtimeMs).toISOString() });
}

/**
 * `{ "path": "/sub/", "entries": [{ "name", "type", "size", "mtime" }] }` with ISO-8601 times, sent as
 * the batches of entries arrive (one valid JSON document once complete).
 */
export async function* listingJson(
  place: ListingPlace,
  batches: AsyncIterable<readonly Entry[]>,
): AsyncGenerator<string> {
  yield `{"path":${JSON.stringify(place.path)},"entries":[`;
  let first = true;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    yield (first ? '' : ',') + batch.map(entryJson).join(',');
    first = false;
  }
  yield ']}';
}

/** The whole JSON listing at once, for entries already in display order. */
export function renderListingJson(listing: Listing): string {
  return `{"path":${JSON.stringify(listing.path)},"entries":[${listing.entries.map(entryJson).join(',')}]}`;
}
