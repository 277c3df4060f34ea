/**
 * Writing a tus upload: the bytes of one PATCH (or of a creation-with-upload POST) appended at the saved
 * offset, the offset saved after an fsync (at the end, and every CHECKPOINT_BYTES on the way, so a SIGKILL
 * mid-PATCH loses at most that much), and the complete file placed into its folder.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { fsPath } from '../fs/names.js';
import { HttpError, statusOf } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { contentLength, receiveBody } from './body.js';
import type { UploadRequest } from './index.js';
import { placeFile, withTargetFolder } from './place.js';
import { filesOf, removeUpload, saveState, type TusState } from './tus-state.js';

/** The body type of PATCH (and of a creation-with-upload POST). */
export const OFFSET_TYPE = 'application/offset+octet-stream';

/**
 * Run `task` as the only request writing to upload `id` now, stopping one still at it (see
 * `UploadStore.exclusive`); this request's connection is what a later one would stop.
 */
export function withClaim<T>(u: UploadRequest, id: string, task: () => Promise<T>): Promise<T> {
  return u.store.exclusive(id, () => u.req.destroy(), task);
}

/**
 * Append the request body to upload `id` at `state.offset` and save the new offset; place the file when it
 * is complete. Bytes past the saved offset (from a PATCH cut short before it saved) are cut off first. With a
 * checksum, the PATCH's bytes count only if they match (460 and cut off otherwise) and only when it arrived
 * whole; without, whatever arrived before the client went away counts (tus: "as many bytes as possible").
 * A full disk (507) removes the upload; a body past `Upload-Length` (413) is cut off.
 */
export async function appendBody(
  u: UploadRequest,
  dir: string,
  id: string,
  state: TusState,
  checksum: { algorithm: string; digest: Buffer } | null,
): Promise<TusState> {
  const room = state.length - state.offset;
  const declared = contentLength(u.req);
  if (declared !== null && declared > room) throw new HttpError(413, 'past Upload-Length');
  const fh = await open(fsPath(filesOf(dir, id).data), 'r+');
  let saved = state;
  const save = async (bytes: number): Promise<void> => {
    await fh.datasync();
    saved = { ...state, offset: state.offset + bytes };
    await saveState(dir, id, saved);
    u.options.logger?.debug({ id, offset: saved.offset }, 'upload offset saved');
  };
  try {
    await fh.truncate(state.offset);
    const hash = checksum ? createHash(checksum.algorithm) : undefined;
    const options = { position: state.offset, limit: room, expected: declared, stagingDir: dir, hash };
    const got = await receiveBody(u.req, fh, { ...options, onCheckpoint: checksum ? undefined : save });
    if (checksum && !got.complete) throw new HttpError(400, 'the client went away mid-PATCH');
    if (checksum && !hash?.digest().equals(checksum.digest)) throw new HttpError(460, 'checksum mismatch');
    await save(got.bytes);
    if (!got.complete) u.options.logger?.debug({ id, offset: saved.offset }, 'upload interrupted');
  } catch (err) {
    await fh.close();
    if (statusOf(err) === 507) await removeUpload(dir, id);
    else await rollBack(dir, id, state);
    throw err;
  } finally {
    await fh.close().catch(() => undefined);
  }
  return saved.offset === saved.length ? finish(u, dir, id, saved) : saved;
}

/** Cut the bytes of a refused PATCH off again, and the saved offset back to where it began. */
async function rollBack(dir: string, id: string, state: TusState): Promise<void> {
  const fh = await open(fsPath(filesOf(dir, id).data), 'r+').catch(() => null);
  if (!fh) return;
  try {
    await fh.truncate(state.offset);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await saveState(dir, id, state);
}

/**
 * Place a complete upload into its folder (folders of a relative path made as needed) under its name or a
 * numbered one, and save where it went. The state stays until it expires, so that a client asking again
 * (HEAD) learns it is complete. A data file already gone means a crash came after placing and before saving:
 * the file is in place under a name not known any more (`placed: ''`).
 */
export async function finish(u: UploadRequest, dir: string, id: string, state: TusState): Promise<TusState> {
  const data = filesOf(dir, id).data;
  const target = { root: u.root, area: u.settings.folder, folder: state.folder, create: state.create };
  let placed: string;
  try {
    placed = (
      await withTargetFolder(target, (folder) =>
        placeFile(data, folder, state.name, u.settings.overwrite, u.configFile),
      )
    ).name;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    placed = '';
  }
  const done: TusState = { ...state, placed };
  await saveState(dir, id, done);
  u.options.logger?.info({ file: encodePath([...state.folder, placed]), bytes: state.length }, 'uploaded');
  return done;
}
