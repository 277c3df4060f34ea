/**
 * Plain `PUT` of one file (`curl -T file http://host/folder/`): the body streamed into a staging file, fsync'ed,
 * then moved into place in one step (place.ts) only when it arrived whole. A client that goes away, a body over
 * `--upload-max-size` (413) or a full disk (507) leave nothing behind: the staging file is removed. The folder
 * must exist (409), as for WebDAV's PUT (RFC 4918 §9.7.1): a mistyped path is an error, not a new folder.
 */
import { parseUrlPath } from '../fs/resolve.js';
import { HttpError } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { stageWholeBody } from './body.js';
import type { UploadRequest } from './index.js';
import { insideArea, placeFile, withTargetFolder, type TargetFolder } from './place.js';

export async function servePut(u: UploadRequest): Promise<void> {
  const url = parseUrlPath(u.path, u.options);
  const name = url.segments[url.segments.length - 1];
  if (name === undefined || url.trailingSlash) throw new HttpError(409, 'PUT names a folder');
  const target: TargetFolder = {
    root: u.root,
    area: u.settings.folder,
    folder: url.segments.slice(0, -1),
    create: false,
  };
  if (!insideArea(target.area, target.folder)) throw new HttpError(403, 'outside the upload folder');
  const limit = u.settings.maxSize ?? Number.MAX_SAFE_INTEGER;
  const staging = await u.store.staging();
  await withTargetFolder(target, () => Promise.resolve()); // 409 or 403 before a byte is read
  let got;
  try {
    got = await stageWholeBody(u.req, staging, limit, (staged) =>
      withTargetFolder(target, (folder) => placeFile(staged, folder, name, u.settings.overwrite, u.configFile)),
    );
  } catch (err) {
    u.options.logger?.debug({ url: u.req.url }, 'upload not completed: staging file removed');
    throw err;
  }
  const segments = [...target.folder, got.placed.name];
  u.options.logger?.info({ file: encodePath(segments), bytes: got.bytes }, 'uploaded');
  await created(u, segments, got.placed.replaced);
}

/** 201 Created with the new file's URL in `Location` (and as the body, for curl), or 204 for a replaced one. */
async function created(u: UploadRequest, segments: readonly string[], replaced: boolean): Promise<void> {
  const location = u.base + encodePath(segments);
  if (replaced) {
    u.res.statusCode = 204;
    u.res.end();
    return;
  }
  const rep = bufferRepresentation(`${location}\n`, { type: 'text/plain; charset=utf-8', etag: null });
  await send(u.res, rep, { status: 201, cacheControl: 'no-store', headers: { Location: location } });
}
