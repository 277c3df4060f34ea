/**
 * COPY and MOVE (RFC 4918 §9.8–9.9). The `Destination` may be a path or an absolute URL of this server, below
 * the mount prefix, and must lie inside the `--upload` folder (MOVE's source too). `Overwrite: F` (or no
 * `--upload-overwrite`) refuses an existing destination with 412; `T` replaces it, a folder with all it holds.
 * MOVE is one rename on the root's file system; COPY stages each file and renames it into place, walking folders
 * with the listing's policy (what is not served is not copied), at most {@link MAX_COPY_ENTRIES} entries.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { BATCH, describeIn } from '../fs/folder.js';
import { readNames, type ReadEntriesOptions } from '../fs/entries.js';
import { fsPath } from '../fs/names.js';
import { openInside, withFolder } from '../fs/open.js';
import { HttpError } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { withTargetFolder } from '../upload/place.js';
import { syncDir } from '../upload/staging.js';
import { checkConditions, type LockNeed } from './conditions.js';
import {
  answerEmpty,
  depthOf,
  headerOf,
  isConfigFile,
  urlOf,
  writable,
  type DavRequest,
  type DavWrite,
} from './context.js';
import { entryIn, parentOf, placeStaged, removeEntry, stageCopy } from './entry.js';
import { isWithin, pathKey } from './locks.js';
import { resourceAt, segmentsOfHref } from './resource.js';
import { forget } from './write.js';

/** Most files and folders one COPY creates (a bigger tree answers 507 part-way: what was copied stays). */
export const MAX_COPY_ENTRIES = 100_000;
const MAX_COPY_DEPTH = 64;

interface Plan {
  readonly d: DavWrite;
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly replace: boolean;
  readonly collection: boolean;
}

/** Check a COPY or MOVE: the paths, the headers, the policy and the locks. */
async function plan(d: DavRequest, move: boolean): Promise<Plan> {
  const from = urlOf(d, d.path, move).segments;
  const header = headerOf(d.req, 'destination');
  if (typeof header !== 'string' || header === '') throw new HttpError(400, 'no Destination');
  const to = segmentsOfHref(d, header, true);
  if (!writable(d, to) || (move && !writable(d, from))) throw new HttpError(403, 'not writable');
  const overwrite = (headerOf(d.req, 'overwrite') ?? 'T').trim().toUpperCase();
  if (overwrite !== 'T' && overwrite !== 'F') throw new HttpError(400, 'bad Overwrite header');
  const depth = depthOf(d.req, 'infinity');
  if (depth === '1' || (move && depth !== 'infinity')) throw new HttpError(400, 'bad Depth for COPY/MOVE');
  const source = await resourceAt(d, from);
  if (!source) throw new HttpError(404, 'nothing to copy or move');
  if (pathKey(from) === pathKey(to)) throw new HttpError(403, 'the destination is the source');
  if (source.isDirectory() && isWithin(pathKey(from), pathKey(to))) throw new HttpError(403, 'into itself');
  const needs: LockNeed[] = [{ segments: to, membership: true, subtree: true }];
  if (move) needs.push({ segments: from, membership: true, subtree: true });
  await checkConditions(d, from, needs);
  return {
    d,
    from,
    to,
    replace: overwrite === 'T' && d.upload.overwrite,
    collection: source.isDirectory() && depth === 'infinity',
  };
}

export async function serveMove(d: DavRequest): Promise<void> {
  const p = await plan(d, true);
  const fromName = p.from[p.from.length - 1] as string;
  const toName = p.to[p.to.length - 1] as string;
  const replaced = await withTargetFolder(parentOf(p.d, p.from), (fromDir) =>
    withTargetFolder(parentOf(p.d, p.to), async (toDir) => {
      const src = await entryIn(fromDir, fromName);
      if (!src) throw new HttpError(404, 'the source is gone');
      const there = await entryIn(toDir, toName);
      if (there && !p.replace) throw new HttpError(412, 'the destination exists');
      if (there && (there.isDirectory() || src.isDirectory())) await removeEntry(toDir, toName, there);
      await rename(fsPath(path.join(fromDir, fromName)), fsPath(path.join(toDir, toName)));
      await syncDir(toDir);
      if (toDir !== fromDir) await syncDir(fromDir);
      return there !== null;
    }),
  );
  p.d.store.locks.removeWithin(pathKey(p.from));
  if (replaced) p.d.store.locks.removeWithin(pathKey(p.to));
  p.d.store.props.move(pathKey(p.from), pathKey(p.to));
  p.d.options.logger?.info({ from: encodePath(p.from), to: encodePath(p.to) }, 'moved');
  answerEmpty(p.d.res, replaced ? 204 : 201, replaced ? {} : { Location: p.d.base + encodePath(p.to) });
}

export async function serveCopy(d: DavRequest): Promise<void> {
  const p = await plan(d, false);
  const toName = p.to[p.to.length - 1] as string;
  const source = await resourceAt(p.d, p.from);
  const staged = source?.isFile() ? await stageCopy(p.d, p.from) : null;
  let replaced: boolean;
  try {
    replaced = await withTargetFolder(parentOf(p.d, p.to), async (dir) => {
      const there = await entryIn(dir, toName);
      if (there && !p.replace) throw new HttpError(412, 'the destination exists');
      if (staged !== null) await placeStaged(staged, dir, toName, there !== null);
      else {
        if (there) await removeEntry(dir, toName, there);
        await mkdir(fsPath(path.join(dir, toName)), { mode: 0o755 });
        await syncDir(dir);
      }
      return there !== null;
    });
  } finally {
    if (staged !== null) await rm(fsPath(staged), { force: true });
  }
  if (replaced) forget(p.d, p.to);
  if (staged === null && p.collection) await copyMembers(p.d, p.from, p.to, { left: MAX_COPY_ENTRIES }, 1);
  p.d.store.props.copy(pathKey(p.from), pathKey(p.to));
  p.d.options.logger?.info({ from: encodePath(p.from), to: encodePath(p.to) }, 'copied');
  answerEmpty(p.d.res, replaced ? 204 : 201, replaced ? {} : { Location: p.d.base + encodePath(p.to) });
}

/** Copy what a folder holds (as the listing shows it) into the new, empty folder `to`. */
async function copyMembers(
  d: DavWrite,
  from: readonly string[],
  to: readonly string[],
  budget: { left: number },
  depth: number,
): Promise<void> {
  if (depth > MAX_COPY_DEPTH) throw new HttpError(507, 'nested too deeply to copy');
  const { fh, abs } = await openInside(d.root, { segments: from, trailingSlash: false }, d.options);
  await fh.close();
  const options: ReadEntriesOptions = { root: d.root, ...d.options };
  const names = await withFolder(abs, options, (reach) => readNames(reach, options));
  for (let i = 0; i < names.length; i += BATCH) {
    const batch = names.slice(i, i + BATCH).filter((n) => !isConfigFile(d, path.join(abs, n.name)));
    for (const entry of await describeIn(abs, batch, options)) {
      if (--budget.left < 0) throw new HttpError(507, 'too many entries to copy');
      const src = [...from, entry.name];
      const dest = [...to, entry.name];
      if (entry.type === 'file') {
        const staged = await stageCopy(d, src);
        try {
          await withTargetFolder(parentOf(d, dest), (dir) => placeStaged(staged, dir, entry.name, false));
        } finally {
          await rm(fsPath(staged), { force: true });
        }
      } else {
        await withTargetFolder(parentOf(d, dest), (dir) => mkdir(fsPath(path.join(dir, entry.name)), { mode: 0o755 }));
        await copyMembers(d, src, dest, budget, depth + 1);
      }
    }
  }
}
