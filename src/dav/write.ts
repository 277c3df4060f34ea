/**
 * PUT, MKCOL and DELETE over WebDAV (also MKCOL and DELETE of the folder page's buttons). Every change happens in
 * a folder reached and checked by `withTargetFolder` (inside the `--upload` folder, no symlink out); PUT's bytes
 * go through the uploads' staging folder, fsync'ed, then renamed into place. An existing file is replaced only
 * with `--upload-overwrite` (else 412: WebDAV clients save by PUT, and a `name (1).ext` they did not ask for
 * would be lost to them) — or when it is empty, which is how Finder and Windows create a file before writing it.
 */
import type { Stats } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fsPath } from '../fs/names.js';
import { HttpError } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { contentLength, stageWholeBody } from '../upload/body.js';
import { withTargetFolder } from '../upload/place.js';
import { syncDir } from '../upload/staging.js';
import { checkConditions } from './conditions.js';
import { answerEmpty, depthOf, hasBody, urlOf, writable, type DavRequest, type DavWrite } from './context.js';
import { entryIn, hasEntries, parentOf, placeStaged, removeEntry } from './entry.js';
import { pathKey } from './locks.js';
import { etagOf } from './resource.js';

export async function servePutDav(d: DavRequest): Promise<void> {
  const url = urlOf(d, d.path, true);
  const segments = url.segments;
  const name = segments[segments.length - 1];
  if (!writable(d, segments)) return;
  if (name === undefined || url.trailingSlash) throw new HttpError(409, 'PUT names a folder');
  if (d.req.headers['content-range'] !== undefined) throw new HttpError(400, 'partial PUT');
  await checkConditions(d, segments, [{ segments, membership: true }]);
  const limit = d.upload.maxSize ?? Number.MAX_SAFE_INTEGER;
  const declared = contentLength(d.req);
  if (declared !== null && declared > limit) throw new HttpError(413, 'larger than --upload-max-size');
  const existing = await withTargetFolder(parentOf(d, segments), (dir) => replaceable(d, dir, name));
  // An empty file holds nothing to lose: Finder and Windows create one (PUT of nothing, or LOCK) and then write it.
  const replace = d.upload.overwrite || existing?.size === 0;
  const got = await stageWholeBody(d.req, await d.uploads.staging(), limit, (staged) =>
    withTargetFolder(parentOf(d, segments), (dir) => placeStaged(staged, dir, name, replace)),
  );
  d.options.logger?.info({ file: encodePath(segments), bytes: got.bytes }, 'uploaded (WebDAV)');
  const location = { Location: d.base + encodePath(segments) };
  answerEmpty(d.res, existing ? 204 : 201, existing ? {} : location);
}

/** What a PUT would replace, checked: no folder (405), `If-Match`/`If-None-Match`, the overwrite policy (412). */
async function replaceable(d: DavWrite, dir: string, name: string): Promise<Stats | null> {
  const st = await entryIn(dir, name);
  if (st?.isDirectory()) throw new HttpError(405, 'a folder is there');
  checkHttpPreconditions(d, st === null ? null : etagOf(st));
  if (st && st.size > 0 && !d.upload.overwrite) throw new HttpError(412, 'the file exists (no --upload-overwrite)');
  return st;
}

/** `If-Match` and `If-None-Match` of a write, against the current file's tag (`null`: nothing there). */
function checkHttpPreconditions(d: DavRequest, etag: string | null): void {
  const match = d.req.headers['if-match'];
  const noneMatch = d.req.headers['if-none-match'];
  const listed = (value: string): boolean =>
    value.trim() === '*' ? etag !== null : etag !== null && value.split(',').some((t) => t.trim() === etag);
  if (match !== undefined && !listed(match)) throw new HttpError(412, 'If-Match');
  if (noneMatch !== undefined && listed(noneMatch)) throw new HttpError(412, 'If-None-Match');
}

export async function serveMkcol(d: DavRequest): Promise<void> {
  const { segments } = urlOf(d, d.path, true);
  const name = segments[segments.length - 1];
  if (!writable(d, segments) || name === undefined) throw new HttpError(405, 'the root exists');
  if (hasBody(d.req)) throw new HttpError(415, 'MKCOL with a body');
  await checkConditions(d, segments, [{ segments, membership: true }]);
  await withTargetFolder(parentOf(d, segments), async (dir) => {
    await mkdir(fsPath(path.join(dir, name)), { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw new HttpError(405, 'something is there');
      throw err;
    });
    await syncDir(dir);
  });
  d.options.logger?.info({ folder: encodePath(segments) }, 'folder created');
  answerEmpty(d.res, 201, { Location: d.base + encodePath(segments) + '/' });
}

/**
 * DELETE of a file, or of a folder with everything in it (Depth absent or `infinity`, as RFC 4918 §9.6.1
 * requires). `Depth: 0` deletes a folder only when it is empty (409 otherwise): the page sends it first, and
 * deletes a folder that is not empty only after a second confirmation.
 */
export async function serveDelete(d: DavRequest): Promise<void> {
  const { segments } = urlOf(d, d.path, true);
  const name = segments[segments.length - 1];
  if (!writable(d, segments) || name === undefined) throw new HttpError(403, 'the root');
  const depth = depthOf(d.req, 'infinity');
  if (depth === '1') throw new HttpError(400, 'Depth: 1 on DELETE');
  await checkConditions(d, segments, [{ segments, membership: true, subtree: true }]);
  await withTargetFolder(parentOf(d, segments), async (dir) => {
    const st = await entryIn(dir, name);
    if (!st) throw new HttpError(404, 'nothing there');
    if (st.isDirectory() && depth === '0' && (await hasEntries(dir, name)))
      throw new HttpError(409, 'the folder is not empty');
    await removeEntry(dir, name, st);
    await syncDir(dir);
  });
  forget(d, segments);
  d.options.logger?.info({ path: encodePath(segments) }, 'deleted');
  answerEmpty(d.res, 204);
}

/** Locks and dead properties of what is gone. */
export function forget(d: DavWrite, segments: readonly string[]): void {
  const key = pathKey(segments);
  d.store.locks.removeWithin(key);
  d.store.props.remove(key);
}
