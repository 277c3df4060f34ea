/**
 * PROPPATCH (RFC 4918 §9.2): set and remove dead properties, in document order, all or none. Properties of the
 * DAV: namespace are live (computed from the file) and protected: asking to change one answers 403 for it and
 * 424 for the others, and nothing changes.
 */
import { HttpError } from '../http/errors.js';
import { bufferRepresentation } from '../respond/representation.js';
import { send } from '../respond/send.js';
import { encodePath } from '../http/url.js';
import { checkConditions } from './conditions.js';
import { readXml, urlOf, writable, type DavRequest } from './context.js';
import { pathKey } from './locks.js';
import { emptyElement, MULTISTATUS_CLOSE, MULTISTATUS_OPEN, propstat, XML_TYPE } from './multistatus.js';
import { resourceAt } from './resource.js';
import { DAV_NS, elements, escapeXml, isDav, type XmlElement } from './xml.js';

interface Instruction {
  readonly remove: boolean;
  readonly prop: XmlElement;
}

export async function serveProppatch(d: DavRequest): Promise<void> {
  const { segments } = urlOf(d, d.path, true);
  if (!writable(d, segments, true)) return;
  const stat = await resourceAt(d, segments);
  if (!stat) throw new HttpError(404, 'nothing there');
  await checkConditions(d, segments, [{ segments }]);
  const ops = instructionsOf(await readXml(d.req));
  const refused = ops.filter((op) => op.prop.ns === DAV_NS);
  let body: string;
  if (refused.length > 0) {
    const others = ops.filter((op) => op.prop.ns !== DAV_NS);
    body =
      propstat(refused.map((op) => emptyElement(op.prop)).join(''), '403 Forbidden') +
      (others.length > 0 ? propstat(others.map((op) => emptyElement(op.prop)).join(''), '424 Failed Dependency') : '');
  } else {
    d.store.props.apply(pathKey(segments), ops);
    body = propstat(ops.map((op) => emptyElement(op.prop)).join(''), '200 OK');
  }
  const href = d.base + encodePath(segments) + (stat.isDirectory() && segments.length > 0 ? '/' : '');
  const xml = `${MULTISTATUS_OPEN}<D:response><D:href>${escapeXml(href || '/')}</D:href>${body}</D:response>\n${MULTISTATUS_CLOSE}`;
  await send(d.res, bufferRepresentation(xml, { type: XML_TYPE, etag: null }), {
    status: 207,
    cacheControl: 'no-store',
  });
}

/** The `set` and `remove` instructions of a `DAV:propertyupdate`, each property on its own, in order. */
function instructionsOf(body: XmlElement | null): Instruction[] {
  if (body === null || !isDav(body, 'propertyupdate')) throw new HttpError(400, 'not a DAV:propertyupdate body');
  const ops: Instruction[] = [];
  for (const part of elements(body)) {
    const remove = isDav(part, 'remove');
    if (!remove && !isDav(part, 'set')) throw new HttpError(400, 'neither set nor remove');
    for (const prop of elements(part).filter((e) => isDav(e, 'prop')))
      for (const el of elements(prop)) ops.push({ remove, prop: el });
  }
  if (ops.length === 0) throw new HttpError(400, 'no property to change');
  return ops;
}
