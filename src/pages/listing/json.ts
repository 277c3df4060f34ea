import type { Entry, Listing } from '../../fs/entries.js';
import type { ListingPlace } from './html.js';
import { displayName, hasRawBytes } from '../../fs/names.js';
import { encodeSegment } from '../../http/url.js';

/**
 * A name that is not valid UTF-8 has `name` in a readable form (its other bytes read as Latin-1, so
 * always valid JSON) and `nameBytes`: the exact bytes, percent-encoded (`caf%E9`), also its URL segment.
 */
function entryJson(e: Entry): string {
  return JSON.stringify({
    name: displayName(e.name),
    ...(hasRawBytes(e.name) ? { nameBytes: encodeSegment(e.name) } : {}),
    type: e.type,
    size: e.size,
    mtime: new Date(e.mtimeMs).toISOString(),
  });
}

/**
 * `{ "path": "/sub/", "entries": [{ "name", "type", "size", "mtime" }] }` with ISO-8601 times, sent as
 * the batches of entries arrive (one valid JSON document once complete).
 */
export async function* listingJson(
  place: ListingPlace,
  batches: AsyncIterable<readonly Entry[]>,
): AsyncGenerator<string> {
  yield `{"path":${JSON.stringify(displayName(place.path))},"entries":[`;
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
  return `{"path":${JSON.stringify(displayName(listing.path))},"entries":[${listing.entries.map(entryJson).join(',')}]}`;
}
