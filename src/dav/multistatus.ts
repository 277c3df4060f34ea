/**
 * The XML of WebDAV answers: one `DAV:response` of a PROPFIND per resource (live properties from its stat, dead
 * ones from the store, `404` for those asked and absent), the lock discovery of LOCK and PROPFIND, and the
 * `DAV:error` bodies. Pure functions of what they are given; every name and URL escaped.
 */
import { formatHttpDate } from '../http/httpdate.js';
import { fileETag } from '../http/etag.js';
import { contentType } from '../http/mime.js';
import type { Lock } from './locks.js';
import type { StoredProp } from './props.js';
import { DAV_NS, escapeXml } from './xml.js';

export const XML_TYPE = 'application/xml; charset=utf-8';
export const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n';
export const MULTISTATUS_OPEN = `${XML_HEAD}<D:multistatus xmlns:D="DAV:">\n`;
export const MULTISTATUS_CLOSE = '</D:multistatus>\n';

/** A property name. */
export interface PropName {
  readonly ns: string;
  readonly name: string;
}

/** What PROPFIND asks: every property, their names only, or the listed ones. */
export type PropRequest =
  | { readonly kind: 'allprop' }
  | { readonly kind: 'propname' }
  | { readonly kind: 'prop'; readonly props: readonly PropName[] };

/** One resource of a PROPFIND answer. */
export interface Described {
  /** The mount prefix (for lock roots). */
  readonly base: string;
  readonly href: string;
  readonly name: string;
  readonly collection: boolean;
  readonly size: number;
  readonly mtimeMs: number;
  readonly dead: readonly StoredProp[];
  readonly locks: readonly Lock[];
  /** Locks are offered (writes are on): `supportedlock` and `lockdiscovery` are live properties. */
  readonly lockable: boolean;
  /** RFC 4331 quota of the root's file system, when asked for (never part of `allprop`). */
  readonly quota: Quota | null;
}

export interface Quota {
  readonly available: number;
  readonly used: number;
}

/** The RFC 4331 properties: only given when asked for by name. */
export const QUOTA_PROPS: readonly string[] = ['quota-available-bytes', 'quota-used-bytes'];

const LIVE = [
  'resourcetype',
  'getlastmodified',
  'getcontentlength',
  'getcontenttype',
  'getetag',
  'displayname',
  'supportedlock',
  'lockdiscovery',
] as const;

/** A live property's value, or `null` when the resource has none of that name. */
function live(r: Described, name: string): string | null {
  switch (name) {
    case 'resourcetype':
      return r.collection ? '<D:resourcetype><D:collection/></D:resourcetype>' : '<D:resourcetype/>';
    case 'getlastmodified':
      return `<D:getlastmodified>${formatHttpDate(r.mtimeMs)}</D:getlastmodified>`;
    case 'displayname':
      return `<D:displayname>${escapeXml(r.name)}</D:displayname>`;
    case 'getcontentlength':
      return r.collection ? null : `<D:getcontentlength>${r.size}</D:getcontentlength>`;
    case 'getcontenttype':
      return r.collection ? null : `<D:getcontenttype>${escapeXml(contentType(r.name))}</D:getcontenttype>`;
    case 'getetag':
      return r.collection ? null : `<D:getetag>${escapeXml(fileETag(r.size, r.mtimeMs))}</D:getetag>`;
    case 'supportedlock':
      return r.lockable ? `<D:supportedlock>${lockEntry('exclusive')}${lockEntry('shared')}</D:supportedlock>` : null;
    case 'lockdiscovery':
      return r.lockable ? lockDiscovery(r.locks, r.base) : null;
    case 'quota-available-bytes':
      return r.quota && r.collection ? `<D:quota-available-bytes>${r.quota.available}</D:quota-available-bytes>` : null;
    case 'quota-used-bytes':
      return r.quota && r.collection ? `<D:quota-used-bytes>${r.quota.used}</D:quota-used-bytes>` : null;
    default:
      return null;
  }
}

function lockEntry(scope: string): string {
  return `<D:lockentry><D:lockscope><D:${scope}/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>`;
}

/** The `DAV:response` of one resource. */
export function responseXml(r: Described, request: PropRequest): string {
  const found: string[] = [];
  const missing: string[] = [];
  if (request.kind === 'prop') {
    for (const p of request.props) {
      const value = p.ns === DAV_NS ? live(r, p.name) : null;
      const dead = value === null ? r.dead.find((d) => d.ns === p.ns && d.name === p.name) : undefined;
      if (value !== null) found.push(value);
      else if (dead) found.push(dead.xml);
      else missing.push(emptyElement(p));
    }
  } else {
    for (const name of LIVE) {
      const value = live(r, name);
      if (value !== null) found.push(request.kind === 'propname' ? `<D:${name}/>` : value);
    }
    for (const d of r.dead) found.push(request.kind === 'propname' ? emptyElement(d) : d.xml);
  }
  let out = `<D:response><D:href>${escapeXml(r.href)}</D:href>`;
  if (found.length > 0) out += propstat(found.join(''), '200 OK');
  if (missing.length > 0) out += propstat(missing.join(''), '404 Not Found');
  return out + '</D:response>\n';
}

export function propstat(props: string, status: string): string {
  return `<D:propstat><D:prop>${props}</D:prop><D:status>HTTP/1.1 ${status}</D:status></D:propstat>`;
}

/** `<name xmlns="ns"/>`, or `<D:name/>` for DAV properties. */
export function emptyElement(p: PropName): string {
  if (p.ns === DAV_NS) return `<D:${p.name}/>`;
  return p.ns === '' ? `<${p.name}/>` : `<${p.name} xmlns="${escapeXml(p.ns)}"/>`;
}

/** `DAV:lockdiscovery` with an `activelock` per lock; `base` is the mount prefix of the lock roots. */
export function lockDiscovery(locks: readonly Lock[], base: string, now = Date.now()): string {
  const active = locks.map(
    (l) =>
      `<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope><D:${l.scope}/></D:lockscope>` +
      `<D:depth>${l.depth === '0' ? '0' : 'infinity'}</D:depth>${l.owner}` +
      `<D:timeout>Second-${Math.max(1, Math.ceil((l.expiresMs - now) / 1000))}</D:timeout>` +
      `<D:locktoken><D:href>${escapeXml(l.token)}</D:href></D:locktoken>` +
      `<D:lockroot><D:href>${escapeXml(base + l.href)}</D:href></D:lockroot></D:activelock>`,
  );
  return `<D:lockdiscovery>${active.join('')}</D:lockdiscovery>`;
}

/** A `DAV:error` body naming a precondition (`propfind-finite-depth`, `lock-token-submitted`…). */
export function errorXml(condition: string): string {
  return `${XML_HEAD}<D:error xmlns:D="DAV:"><D:${condition}/></D:error>\n`;
}
