/**
 * PROPFIND (RFC 4918 §9.1), Depth 0 or 1 (infinity is refused: 403 `propfind-finite-depth`, as the RFC allows).
 * The answer is streamed: the multistatus opens at once and a folder's members are stat'ed and written in
 * batches of {@link BATCH} as the socket takes them, so a folder of 100,000 entries is never built in memory as
 * XML. Members follow the listing's policy (no dotfiles unless `--dotfiles`, no special files, no symlinks out of
 * the root, never the staging folder).
 */
import type { Stats } from 'node:fs';
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { BATCH, describeIn } from '../fs/folder.js';
import { readNames, type Entry, type ReadEntriesOptions } from '../fs/entries.js';
import { fsPath } from '../fs/names.js';
import { openInside, withFolder } from '../fs/open.js';
import { HttpError } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { bufferRepresentation, streamRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { depthOf, isConfigFile, readXml, urlOf, type DavRequest } from './context.js';
import { pathKey, type Lock } from './locks.js';
import {
  errorXml,
  MULTISTATUS_CLOSE,
  MULTISTATUS_OPEN,
  QUOTA_PROPS,
  responseXml,
  XML_TYPE,
  type Described,
  type PropRequest,
  type Quota,
} from './multistatus.js';
import { DAV_NS, elements, isDav, type XmlElement } from './xml.js';

export async function servePropfind(d: DavRequest): Promise<void> {
  const url = urlOf(d);
  const depth = depthOf(d.req, 'infinity');
  if (depth === 'infinity') {
    const rep = bufferRepresentation(errorXml('propfind-finite-depth'), { type: XML_TYPE, etag: null });
    return send(d.res, rep, { status: 403, cacheControl: 'no-store' });
  }
  const request = propRequestOf(await readXml(d.req));
  const { fh, stat, abs } = await openInside(d.root, url, d.options);
  await fh.close();
  const segments = url.segments;
  const asksQuota =
    request.kind === 'prop' && request.props.some((p) => p.ns === DAV_NS && QUOTA_PROPS.includes(p.name));
  const quota = asksQuota ? await quotaOf(d.root) : null;
  const self = describe(d, segments, segments[segments.length - 1] ?? '', stat, {
    quota,
    locksOf: (key) => d.store.locks.covering(key),
  });
  const members = depth === '1' && stat.isDirectory();
  if (members && !d.options.listing) throw new HttpError(403, 'listings are off');
  const readOptions: ReadEntriesOptions = { root: d.root, ...d.options };
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.from(MULTISTATUS_OPEN + responseXml(self, request));
    if (members) {
      const extras = { quota, locksOf: memberLocks(d, pathKey(segments)) };
      const names = await withFolder(abs, readOptions, (reach) => readNames(reach, readOptions));
      for (let i = 0; i < names.length; i += BATCH) {
        const batch = names.slice(i, i + BATCH).filter((n) => !isConfigFile(d, path.join(abs, n.name)));
        const entries = await describeIn(abs, batch, readOptions);
        yield Buffer.from(entries.map((e) => responseXml(member(d, segments, e, extras), request)).join(''));
      }
    }
    yield Buffer.from(MULTISTATUS_CLOSE);
  }
  const rep = streamRepresentation({ type: XML_TYPE, size: null, read: () => body() });
  return send(d.res, rep, { status: 207, cacheControl: 'no-store' });
}

/** What the body asks for; an empty body is `allprop` (RFC 4918 §9.1). */
export function propRequestOf(body: XmlElement | null): PropRequest {
  if (body === null) return { kind: 'allprop' };
  if (!isDav(body, 'propfind')) throw new HttpError(400, 'not a DAV:propfind body');
  const [first] = elements(body);
  if (first && isDav(first, 'propname')) return { kind: 'propname' };
  if (first && isDav(first, 'prop'))
    return { kind: 'prop', props: elements(first).map(({ ns, name }) => ({ ns, name })) };
  if (first && isDav(first, 'allprop')) return { kind: 'allprop' };
  throw new HttpError(400, 'a DAV:propfind without allprop, propname or prop');
}

/** What every response of one PROPFIND shares: the quota, and how to find the locks of a path. */
interface Extras {
  readonly quota: Quota | null;
  readonly locksOf: (key: string) => Lock[];
}

/**
 * The locks of the members of a folder, indexed once: the folder's depth-infinity locks, plus each member's
 * own — not every lock held checked for each member (10,000 locks, 100,000 members).
 */
function memberLocks(d: DavRequest, folderKey: string): (key: string) => Lock[] {
  const inherited = d.store.locks.covering(folderKey).filter((l) => l.depth === 'infinity');
  const own = new Map<string, Lock[]>();
  for (const lock of d.store.locks.below(folderKey)) {
    if ((lock.key.slice(0, lock.key.lastIndexOf('/')) || '/') === folderKey)
      own.set(lock.key, [...(own.get(lock.key) ?? []), lock]);
  }
  return (key) => [...inherited, ...(own.get(key) ?? [])];
}

function describe(d: DavRequest, segments: readonly string[], name: string, stat: Stats, x: Extras): Described {
  const type = stat.isDirectory() ? 'directory' : 'file';
  return described(d, segments, { name, type, size: stat.size, mtimeMs: stat.mtimeMs }, x);
}

function member(d: DavRequest, parent: readonly string[], e: Entry, x: Extras): Described {
  return described(d, [...parent, e.name], e, x);
}

function described(d: DavRequest, segments: readonly string[], e: Entry, x: Extras): Described {
  const collection = e.type === 'directory';
  const key = pathKey(segments);
  const lockable = d.upload !== null && d.webdav;
  return {
    base: d.base,
    href: d.base + encodePath(segments) + (collection ? '/' : ''),
    name: e.name,
    collection,
    size: collection ? 0 : e.size,
    mtimeMs: e.mtimeMs,
    dead: d.store.props.list(key),
    locks: lockable ? x.locksOf(key) : [],
    lockable,
    quota: x.quota,
  };
}

/** The root's file system: bytes free for an unprivileged writer, and bytes in use. */
async function quotaOf(root: string): Promise<Quota | null> {
  const s = await statfs(fsPath(root)).catch(() => null);
  return s && { available: s.bavail * s.bsize, used: (s.blocks - s.bfree) * s.bsize };
}
