/**
 * LOCK and UNLOCK (RFC 4918 §9.10–9.11): exclusive and shared write locks, depth 0 or infinity, refreshed by a
 * LOCK without a body whose `If` header names the token. Locking a name where nothing is creates an empty file
 * there (201), as the RFC's "locked empty resource" — Windows and Office do this before they write.
 */
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { fsPath } from '../fs/names.js';
import { HttpError } from '../http/errors.js';
import { encodePath } from '../http/url.js';
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { withTargetFolder } from '../upload/place.js';
import { createStaged, randomId } from '../upload/staging.js';
import { checkConditions } from './conditions.js';
import { answerEmpty, depthOf, headerOf, readXml, urlOf, writable, type DavRequest, type DavWrite } from './context.js';
import { parentOf, placeStaged } from './entry.js';
import { isWithin, parseTimeout, pathKey, type Lock, type LockScope } from './locks.js';
import { lockDiscovery, XML_HEAD, XML_TYPE } from './multistatus.js';
import { resourceAt } from './resource.js';
import { elements, isDav, serializeXml, type XmlElement } from './xml.js';

export async function serveLock(d: DavRequest): Promise<void> {
  const url = urlOf(d, d.path, true);
  const segments = url.segments;
  if (!writable(d, segments, true)) return;
  const body = await readXml(d.req);
  const timeoutSeconds = parseTimeout(headerOf(d.req, 'timeout'));
  if (body === null) return refresh(d, segments, timeoutSeconds);
  const { scope, owner } = lockInfo(body);
  const depth = depthOf(d.req, 'infinity');
  if (depth === '1') throw new HttpError(400, 'Depth: 1 on LOCK');
  const existing = await resourceAt(d, segments);
  await checkConditions(d, segments, existing ? [] : [{ segments, membership: true }]);
  const collection = existing?.isDirectory() ?? false;
  const href = encodePath(segments) + (collection && segments.length > 0 ? '/' : '');
  const lock = d.store.locks.create({ segments, href: href || '/', depth, scope, owner, timeoutSeconds });
  try {
    if (!existing) await createEmpty(d, segments);
  } catch (err) {
    d.store.locks.remove(lock.token);
    throw err;
  }
  await answerLock(d, [lock], existing ? 200 : 201, { 'Lock-Token': `<${lock.token}>` });
}

/** A LOCK without a body: refresh the lock whose token the `If` header submits. */
async function refresh(d: DavWrite, segments: readonly string[], timeoutSeconds: number): Promise<void> {
  const tokens = await checkConditions(d, segments, []);
  const key = pathKey(segments);
  const lock = d.store.locks.covering(key).find((l) => tokens.has(l.token));
  if (!lock) throw new HttpError(412, 'no lock of this resource was submitted');
  d.store.locks.refresh(lock, timeoutSeconds);
  await answerLock(d, [lock], 200, {});
}

function lockInfo(body: XmlElement): { scope: LockScope; owner: string } {
  if (!isDav(body, 'lockinfo')) throw new HttpError(400, 'not a DAV:lockinfo body');
  const parts = elements(body);
  const scopeEl = parts.find((e) => isDav(e, 'lockscope'));
  const typeEl = parts.find((e) => isDav(e, 'locktype'));
  const ownerEl = parts.find((e) => isDav(e, 'owner'));
  const [scopeName] = scopeEl ? elements(scopeEl) : [];
  if (!scopeName || (!isDav(scopeName, 'exclusive') && !isDav(scopeName, 'shared')))
    throw new HttpError(400, 'no lock scope');
  if (!typeEl || !elements(typeEl).some((e) => isDav(e, 'write'))) throw new HttpError(400, 'not a write lock');
  // The owner element kept as sent, namespaces and all (inside our answers it declares DAV: as its default).
  return { scope: scopeName.name as LockScope, owner: ownerEl ? serializeXml(ownerEl) : '' };
}

/** An empty file at `segments`, created through the staging folder like every write. */
async function createEmpty(d: DavWrite, segments: readonly string[]): Promise<void> {
  const name = segments[segments.length - 1];
  if (name === undefined) throw new HttpError(409, 'the root');
  const staged = path.join(await d.uploads.staging(), `dav-${randomId()}.part`);
  const fh = await createStaged(staged);
  try {
    await fh.sync();
    await fh.close();
    await withTargetFolder(parentOf(d, segments), (dir) => placeStaged(staged, dir, name, false));
  } finally {
    await fh.close().catch(() => undefined);
    await rm(fsPath(staged), { force: true });
  }
}

async function answerLock(
  d: DavRequest,
  locks: readonly Lock[],
  status: number,
  headers: Record<string, string>,
): Promise<void> {
  const xml = `${XML_HEAD}<D:prop xmlns:D="DAV:">${lockDiscovery(locks, d.base)}</D:prop>\n`;
  const rep = bufferRepresentation(xml, { type: XML_TYPE, etag: null });
  await send(d.res, rep, { status, cacheControl: 'no-store', headers });
}

export function serveUnlock(d: DavRequest): void {
  const { segments } = urlOf(d, d.path, true);
  if (!writable(d, segments, true)) return;
  const header = headerOf(d.req, 'lock-token');
  const token = typeof header === 'string' ? /^\s*<([^>]+)>\s*$/.exec(header)?.[1] : undefined;
  if (token === undefined) throw new HttpError(400, 'no Lock-Token header');
  const lock = d.store.locks.get(token);
  if (!lock || !isWithin(lock.key, pathKey(segments)) || (lock.depth === '0' && lock.key !== pathKey(segments)))
    throw new HttpError(409, 'the token is not of a lock of this resource');
  d.store.locks.remove(token);
  answerEmpty(d.res, 204);
}
