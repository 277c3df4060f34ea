/**
 * tus 1.0 (https://tus.io/protocols/resumable-upload): core (HEAD, PATCH, OPTIONS), creation and
 * creation-with-upload (POST), termination (DELETE), checksum (`Upload-Checksum`, 460 on a mismatch) and
 * expiration (`Upload-Expires`). Uploads are created with `POST` on a folder URL (the file goes there) or on
 * `/.aqua/upload/` (the upload folder), and live at `/.aqua/upload/<id>`; the bytes and state are kept in the
 * staging folder (tus-state.ts, tus-write.ts) and the file appears in its folder only when complete.
 */
import { stat } from 'node:fs/promises';
import { fsPath } from '../fs/names.js';
import { parseUrlPath } from '../fs/resolve.js';
import { HttpError } from '../http/errors.js';
import { formatHttpDate } from '../http/httpdate.js';
import { encodePath } from '../http/url.js';
import type { UploadRequest } from './index.js';
import { insideArea, MissingFolderError, withTargetFolder } from './place.js';
import { createStaged, randomId, requireSpace } from './staging.js';
import {
  byteCount,
  CHECKSUM_ALGORITHMS,
  filesOf,
  ID_PATTERN,
  loadState,
  parseChecksum,
  parseMetadata,
  removeUpload,
  saveState,
  targetOf,
  type TusState,
} from './tus-state.js';
import { appendBody, finish, OFFSET_TYPE, withClaim } from './tus-write.js';

/** Where the uploads live: `/.aqua/upload/<id>` (POST on `/.aqua/upload/` creates one in the upload folder). */
export const TUS_PREFIX = '/.aqua/upload/';
/** The protocol version spoken (`Tus-Resumable`, `Tus-Version`). */
export const TUS_RESUMABLE = '1.0.0';
const EXTENSIONS = 'creation,creation-with-upload,termination,checksum,expiration';

/** `POST` (or `OPTIONS`) on a folder URL (`base` null) or on the tus endpoint (`base`: the upload folder). */
export async function serveTusCreation(u: UploadRequest, base: readonly string[] | null): Promise<void> {
  u.res.setHeader('Tus-Resumable', TUS_RESUMABLE);
  if (u.req.method === 'OPTIONS') return answerOptions(u);
  if (u.req.method !== 'POST') throw new HttpError(405, 'not a method of the upload endpoint');
  requireVersion(u);
  const folder = base ?? parseUrlPath(u.path, u.options).segments;
  if (u.req.headers['upload-defer-length'] !== undefined) throw new HttpError(400, 'Upload-Defer-Length unsupported');
  const length = byteCount(u.req.headers['upload-length'], 'Upload-Length');
  if (u.settings.maxSize !== null && length > u.settings.maxSize) throw new HttpError(413, 'over --upload-max-size');
  const metadata = header(u, 'upload-metadata') ?? '';
  const target = targetOf(parseMetadata(metadata), folder, u.options);
  if (!insideArea(u.settings.folder, target.folder)) throw new HttpError(403, 'outside the upload folder');
  const dir = await u.store.staging();
  await requireSpace(dir, length);
  // The folder it was created in must exist now, and what exists of a relative path below it must be folders
  // inside the upload folder (no symlink out): refused now, not after the last byte. The rest is made at the end.
  await withTargetFolder({ root: u.root, area: u.settings.folder, folder, create: false }, () => Promise.resolve());
  if (target.create) await checkRelative(u, target.folder);
  const id = randomId();
  await (await createStaged(filesOf(dir, id).data)).close();
  let state: TusState = { version: 1, length, offset: 0, metadata, ...target, placed: null };
  await saveState(dir, id, state);
  u.options.logger?.debug({ id, length }, 'upload created');
  u.res.setHeader('Location', u.base + TUS_PREFIX + id);
  if (u.req.headers['content-type'] === OFFSET_TYPE || length === 0) {
    state = await withClaim(u, id, () => appendBody(u, dir, id, state, null));
    u.res.setHeader('Upload-Offset', String(state.offset));
  }
  return answer(u, 201, state, Date.now());
}

/** Walk the folders of a relative path that exist: 403 for one leading outside, 409 for a file in the way. */
async function checkRelative(u: UploadRequest, folder: readonly string[]): Promise<void> {
  await withTargetFolder({ root: u.root, area: u.settings.folder, folder, create: false }, () =>
    Promise.resolve(),
  ).catch((err: unknown) => {
    // A folder still to be made is fine; `openDir` says 409 for it as for a file in the way, so tell them apart.
    if (err instanceof MissingFolderError) return;
    throw err;
  });
}

/** `HEAD`, `PATCH`, `DELETE` or `OPTIONS` of `/.aqua/upload/<id>`. */
export async function serveTusResource(u: UploadRequest, id: string): Promise<void> {
  const method = u.req.method;
  if (method === 'OPTIONS') return answerOptions(u);
  if (!ID_PATTERN.test(id)) throw new HttpError(404, 'not an upload id');
  if (method !== 'HEAD' && method !== 'PATCH' && method !== 'DELETE')
    throw new HttpError(405, 'not a method of an upload');
  requireVersion(u);
  const dir = await u.store.staging();
  if (method === 'HEAD') return head(u, dir, id);
  if (method === 'DELETE') return terminate(u, dir, id);
  if (u.req.headers['content-type'] !== OFFSET_TYPE) throw new HttpError(415, 'PATCH needs ' + OFFSET_TYPE);
  const offset = byteCount(u.req.headers['upload-offset'], 'Upload-Offset');
  const checksum = parseChecksum(header(u, 'upload-checksum'));
  const state = await withClaim(u, id, async () => {
    const current = await liveState(u, dir, id);
    if (current.placed !== null || offset !== current.offset) throw new HttpError(409, 'Upload-Offset mismatch');
    return appendBody(u, dir, id, current, checksum);
  });
  u.res.setHeader('Upload-Offset', String(state.offset));
  return answer(u, 204, state, Date.now());
}

/** `HEAD`: where the upload stands. An upload complete on disk but not yet placed (a crash between) is placed now. */
async function head(u: UploadRequest, dir: string, id: string): Promise<void> {
  let state = await liveState(u, dir, id);
  if (state.placed === null && state.offset === state.length) {
    state = await withClaim(u, id, () => finish(u, dir, id, state));
  }
  u.res.setHeader('Upload-Offset', String(state.offset));
  u.res.setHeader('Upload-Length', String(state.length));
  if (state.metadata !== '') u.res.setHeader('Upload-Metadata', state.metadata);
  return answer(u, 200, state, await lastWrite(dir, id));
}

/** `DELETE` (termination): both staging files removed; the upload is gone (404 after). */
async function terminate(u: UploadRequest, dir: string, id: string): Promise<void> {
  await withClaim(u, id, async () => {
    await liveState(u, dir, id);
    await removeUpload(dir, id);
  });
  u.options.logger?.debug({ id }, 'upload terminated');
  u.res.statusCode = 204;
  u.res.end();
}

/** The saved state of an upload that has not expired; 404 for none, and an expired one is removed first. */
async function liveState(u: UploadRequest, dir: string, id: string): Promise<TusState> {
  const state = await loadState(dir, id);
  if (state === null) throw new HttpError(404, 'no such upload');
  if (Date.now() - (await lastWrite(dir, id)) >= u.settings.expireSeconds * 1000) {
    await removeUpload(dir, id);
    throw new HttpError(404, 'the upload expired');
  }
  return state;
}

/** When the upload was last written to (the newer of its two files). */
async function lastWrite(dir: string, id: string): Promise<number> {
  const files = filesOf(dir, id);
  const times = await Promise.all(
    [files.data, files.state].map((f) =>
      stat(fsPath(f)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  return Math.max(...times);
}

/** A bodiless answer: `Cache-Control: no-store`, `Upload-Expires` while unfinished, the file's URL once placed. */
function answer(u: UploadRequest, status: number, state: TusState, written: number): void {
  u.res.setHeader('Cache-Control', 'no-store');
  if (state.placed === null) {
    u.res.setHeader('Upload-Expires', formatHttpDate(written + u.settings.expireSeconds * 1000));
  } else if (state.placed !== '') {
    u.res.setHeader('Aqua-Location', u.base + placedPath(state));
  }
  u.res.statusCode = status;
  if (status !== 200) u.res.setHeader('Content-Length', '0');
  u.res.end();
}

function placedPath(state: TusState): string {
  return encodePath([...state.folder, state.placed ?? '']);
}

/** `OPTIONS`: what this server speaks. */
function answerOptions(u: UploadRequest): void {
  u.res.setHeader('Tus-Resumable', TUS_RESUMABLE);
  u.res.setHeader('Tus-Version', TUS_RESUMABLE);
  u.res.setHeader('Tus-Extension', EXTENSIONS);
  u.res.setHeader('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','));
  if (u.settings.maxSize !== null) u.res.setHeader('Tus-Max-Size', String(u.settings.maxSize));
  u.res.setHeader('Allow', 'OPTIONS, HEAD, POST, PATCH, DELETE');
  u.res.setHeader('Content-Length', '0');
  u.res.statusCode = 204;
  u.res.end();
}

/** Every request but OPTIONS must speak 1.0.0: else 412 with the versions spoken. */
function requireVersion(u: UploadRequest): void {
  if (u.req.headers['tus-resumable'] === TUS_RESUMABLE) return;
  u.res.setHeader('Tus-Version', TUS_RESUMABLE);
  throw new HttpError(412, 'missing or unsupported Tus-Resumable');
}

function header(u: UploadRequest, name: string): string | undefined {
  const value = u.req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
