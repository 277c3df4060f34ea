/**
 * A small, bounded, namespace-aware XML reader for WebDAV request bodies (PROPFIND, PROPPATCH, LOCK), and the
 * writer of the XML we send. Our own rather than a library: WebDAV needs every element's namespace resolved
 * (`<x:prop xmlns:x="DAV:">` is `DAV:prop`) and dead property values kept with their namespaces, which the
 * common parsers (fast-xml-parser keeps prefixes as written) do not give. It is safe by construction: no DTD
 * (a `<!DOCTYPE` is refused, so no entity can be declared or expanded, nothing external is fetched), only the
 * five predefined entities and character references, at most {@link MAX_DEPTH} levels and {@link MAX_NODES}
 * nodes; the body itself is size-limited before it gets here. Anything malformed throws {@link XmlError}.
 */

/** An element: its namespace URI (`''` for none), local name, attributes, and children in order. */
export interface XmlElement {
  readonly ns: string;
  readonly name: string;
  readonly attrs: readonly XmlAttr[];
  readonly children: readonly XmlNode[];
}

export interface XmlAttr {
  readonly ns: string;
  readonly name: string;
  readonly value: string;
}

/** An element, or character data (text and CDATA, entities decoded). */
export type XmlNode = XmlElement | string;

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

export const DAV_NS = 'DAV:';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Deepest nesting accepted. */
export const MAX_DEPTH = 64;
/** Most elements and text nodes in one document. */
export const MAX_NODES = 20_000;

const NAME =
  /[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*(?::[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?/y;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Parse a document; its root element. */
export function parseXml(text: string): XmlElement {
  const p = new Parser(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  return p.document();
}

class Parser {
  #at = 0;
  #nodes = 0;
  constructor(readonly text: string) {}

  document(): XmlElement {
    this.#misc(true);
    if (!this.text.startsWith('<', this.#at)) throw new XmlError('no root element');
    const root = this.#element(new Map([['xml', XML_NS]]), 1);
    this.#misc(false);
    if (this.#at !== this.text.length) throw new XmlError('content after the root element');
    return root;
  }

  /** Whitespace, comments and processing instructions (the XML declaration first); a DOCTYPE is refused. */
  #misc(prolog: boolean): void {
    for (;;) {
      this.#space();
      if (this.text.startsWith('<?', this.#at)) this.#skipTo('?>');
      else if (this.text.startsWith('<!--', this.#at)) this.#skipTo('-->');
      else if (this.text.startsWith('<!', this.#at))
        throw new XmlError(prolog ? 'DTDs are not accepted' : 'bad markup');
      else return;
    }
  }

  #space(): void {
    while (this.#at < this.text.length && /[ \t\r\n]/.test(this.text[this.#at] as string)) this.#at++;
  }

  #skipTo(end: string): string {
    const i = this.text.indexOf(end, this.#at);
    if (i < 0) throw new XmlError(`unterminated ${end}`);
    const inner = this.text.slice(this.#at, i);
    this.#at = i + end.length;
    return inner;
  }

  #name(): string {
    NAME.lastIndex = this.#at;
    const m = NAME.exec(this.text);
    if (!m) throw new XmlError('a name was expected');
    this.#at += m[0].length;
    return m[0];
  }

  #count(): void {
    if (++this.#nodes > MAX_NODES) throw new XmlError('too many nodes');
  }

  #element(parentScope: ReadonlyMap<string, string>, depth: number): XmlElement {
    if (depth > MAX_DEPTH) throw new XmlError('nested too deeply');
    this.#count();
    this.#at++; // <
    const qname = this.#name();
    const attrs = this.#attributes();
    const scope = declare(parentScope, attrs);
    const children: XmlNode[] = [];
    if (this.text.startsWith('/>', this.#at)) {
      this.#at += 2;
    } else {
      if (this.text[this.#at] !== '>') throw new XmlError('bad start tag');
      this.#at++;
      this.#content(children, scope, depth);
      if (this.#name() !== qname) throw new XmlError('mismatched end tag');
      this.#space();
      if (this.text[this.#at] !== '>') throw new XmlError('bad end tag');
      this.#at++;
    }
    return resolve(qname, attrs, scope, children);
  }

  #attributes(): [string, string][] {
    const attrs: [string, string][] = [];
    for (;;) {
      const before = this.#at;
      this.#space();
      const c = this.text[this.#at];
      if (c === '>' || c === '/' || c === undefined) return attrs;
      if (this.#at === before) throw new XmlError('attributes must be separated by space');
      const name = this.#name();
      this.#space();
      if (this.text[this.#at] !== '=') throw new XmlError('= expected');
      this.#at++;
      this.#space();
      const quote = this.text[this.#at];
      if (quote !== '"' && quote !== "'") throw new XmlError('quoted value expected');
      this.#at++;
      const raw = this.#skipTo(quote);
      if (raw.includes('<')) throw new XmlError('< in an attribute value');
      if (attrs.some(([n]) => n === name)) throw new XmlError('repeated attribute');
      attrs.push([name, decode(raw).replace(/[\t\r\n]/g, ' ')]);
    }
  }

  #content(children: XmlNode[], scope: ReadonlyMap<string, string>, depth: number): void {
    for (;;) {
      const lt = this.text.indexOf('<', this.#at);
      if (lt < 0) throw new XmlError('unterminated element');
      if (lt > this.#at) this.#text(children, decode(this.text.slice(this.#at, lt)));
      this.#at = lt;
      if (this.text.startsWith('</', lt)) {
        this.#at += 2;
        return;
      }
      if (this.text.startsWith('<!--', lt)) this.#skipTo('-->');
      else if (this.text.startsWith('<![CDATA[', lt)) {
        this.#at += 9;
        this.#text(children, this.#skipTo(']]>'));
      } else if (this.text.startsWith('<?', lt)) this.#skipTo('?>');
      else if (this.text.startsWith('<!', lt)) throw new XmlError('bad markup');
      else children.push(this.#element(scope, depth + 1));
    }
  }

  #text(children: XmlNode[], text: string): void {
    if (text.includes(']]>')) throw new XmlError(']]> in text');
    const last = children[children.length - 1];
    if (typeof last === 'string') children[children.length - 1] = last + text;
    else {
      this.#count();
      children.push(text);
    }
  }
}

/** The namespace scope of an element: its parent's, with its own `xmlns` declarations. */
function declare(parent: ReadonlyMap<string, string>, attrs: readonly [string, string][]): ReadonlyMap<string, string> {
  let scope: Map<string, string> | null = null;
  for (const [name, value] of attrs) {
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
    const prefix = name === 'xmlns' ? '' : name.slice(6);
    if (prefix === 'xml' || prefix === 'xmlns' || (prefix !== '' && value === ''))
      throw new XmlError('bad namespace declaration');
    scope ??= new Map(parent);
    scope.set(prefix, value);
  }
  return scope ?? parent;
}

function resolve(
  qname: string,
  rawAttrs: readonly [string, string][],
  scope: ReadonlyMap<string, string>,
  children: XmlNode[],
): XmlElement {
  const [ns, name] = qualify(qname, scope, true);
  const attrs: XmlAttr[] = [];
  for (const [attrName, value] of rawAttrs) {
    if (attrName === 'xmlns' || attrName.startsWith('xmlns:')) continue;
    const [ans, aname] = qualify(attrName, scope, false);
    attrs.push({ ns: ans, name: aname, value });
  }
  return { ns, name, attrs, children };
}

function qualify(qname: string, scope: ReadonlyMap<string, string>, element: boolean): [string, string] {
  const colon = qname.indexOf(':');
  if (colon < 0) return [element ? (scope.get('') ?? '') : '', qname];
  const ns = scope.get(qname.slice(0, colon));
  if (ns === undefined) throw new XmlError('undeclared namespace prefix');
  return [ns, qname.slice(colon + 1)];
}

function decode(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;]{0,10});?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlError('bad entity reference');
    const named = ENTITIES[ref];
    if (named !== undefined) return named;
    const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(ref);
    const code = m ? parseInt(m[1] ?? (m[2] as string), m[1] ? 16 : 10) : NaN;
    if (!(
      code === 9 ||
      code === 10 ||
      code === 13 ||
      (code >= 0x20 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff))
    ))
      throw new XmlError('unknown entity');
    return String.fromCodePoint(code);
  });
}

/** The child elements of `el` (text between them dropped). */
export function elements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}

/** Whether `el` is `DAV:<name>`. */
export function isDav(el: XmlElement, name: string): boolean {
  return el.ns === DAV_NS && el.name === name;
}

/** Escape text for element content or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/**
 * `el` as XML that stands on its own: each element declares the default namespace where it differs from its
 * parent's, namespaced attributes get a prefix declared on the spot. `inherited` is the default namespace in
 * force where it will be written (`''` inside our responses, which use the `D:` prefix only).
 */
export function serializeXml(el: XmlElement, inherited = ''): string {
  let out = `<${el.name}`;
  if (el.ns !== inherited) out += ` xmlns="${escapeXml(el.ns)}"`;
  el.attrs.forEach((a, i) => {
    if (a.ns === '') out += ` ${a.name}="${escapeXml(a.value)}"`;
    else if (a.ns === XML_NS) out += ` xml:${a.name}="${escapeXml(a.value)}"`;
    else if (a.ns !== XMLNS_NS) out += ` xmlns:a${i}="${escapeXml(a.ns)}" a${i}:${a.name}="${escapeXml(a.value)}"`;
  });
  if (el.children.length === 0) return out + '/>';
  out += '>';
  for (const child of el.children) out += typeof child === 'string' ? escapeXml(child) : serializeXml(child, el.ns);
  return `${out}</${el.name}>`;
}

/** The text content of `el` (its character data and its descendants'). */
export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}
