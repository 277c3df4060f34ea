/** The pages' own CSS, JS and icons under `/.aqua/`, answered through the one send path. */
import { ASSET_PREFIX, findAsset } from '../pages/ui/assets.js';
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { HttpError } from '../http/errors.js';
import type { ServerResponse } from 'node:http';

export { ASSET_PREFIX } from '../pages/ui/assets.js';

/** Every asset URL carries a hash of its content, so it can be cached forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Answer `/.aqua/<rest>` for a current asset (hashed name); anything else there is a 404. */
export function sendAsset(res: ServerResponse, path: string): Promise<void> {
  const asset = findAsset(path.slice(ASSET_PREFIX.length));
  if (!asset) throw new HttpError(404, 'no such asset');
  const rep = bufferRepresentation(asset.body, { type: asset.contentType, etag: asset.etag });
  return send(res, rep, { cacheControl: IMMUTABLE });
}
