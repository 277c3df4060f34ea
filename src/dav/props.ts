/**
 * Dead properties (PROPPATCH), kept in memory per path: lost on restart (the README says so). Each value is the
 * property element as the client sent it, serialized with its namespaces (xml.ts), so it comes back in PROPFIND
 * exactly as set. Copied, moved and removed with the resources they belong to; bounded in number.
 */
import { HttpError } from '../http/errors.js';
import { isWithin } from './locks.js';
import { serializeXml, type XmlElement } from './xml.js';

export interface StoredProp {
  readonly ns: string;
  readonly name: string;
  /** The whole property element, serialized to stand on its own inside our responses. */
  readonly xml: string;
}

/** Most dead properties kept over all resources, and their total size in characters. */
export const MAX_PROPS = 100_000;
export const MAX_PROP_CHARS = 64 * 1024 * 1024;

const propKey = (ns: string, name: string): string => `{${ns}}${name}`;

export class DeadProps {
  readonly #byPath = new Map<string, Map<string, StoredProp>>();
  #count = 0;
  #chars = 0;

  /** The properties of the path key, in the order they were set. */
  list(key: string): StoredProp[] {
    return [...(this.#byPath.get(key)?.values() ?? [])];
  }

  find(key: string, ns: string, name: string): StoredProp | undefined {
    return this.#byPath.get(key)?.get(propKey(ns, name));
  }

  /**
   * Apply a PROPPATCH's instructions in order, all or none: `set` elements replace, `remove` names delete.
   * Throws 507 (nothing changed) when the store would grow over its bounds.
   */
  apply(key: string, ops: readonly { readonly remove: boolean; readonly prop: XmlElement }[]): void {
    const current = new Map(this.#byPath.get(key) ?? []);
    let count = this.#count - current.size;
    let chars = this.#chars - size(current);
    for (const { remove, prop } of ops) {
      const k = propKey(prop.ns, prop.name);
      if (remove) current.delete(k);
      else current.set(k, { ns: prop.ns, name: prop.name, xml: serializeXml(prop) });
    }
    count += current.size;
    chars += size(current);
    if (count > MAX_PROPS || chars > MAX_PROP_CHARS) throw new HttpError(507, 'too many dead properties');
    this.#set(key, current);
    this.#count = count;
    this.#chars = chars;
  }

  /** Copy the properties of the path and everything below it to `to`. */
  copy(from: string, to: string): void {
    for (const [key, props] of [...this.#byPath]) {
      if (!isWithin(from, key)) continue;
      const target = to + key.slice(from.length);
      this.#drop(target);
      if (this.#count + props.size > MAX_PROPS) return; // copies beyond the bound lose their properties
      this.#set(target, new Map(props));
      this.#count += props.size;
      this.#chars += size(props);
    }
  }

  /** Move the properties of the path and below to `to` (what was at `to` is dropped first). */
  move(from: string, to: string): void {
    this.remove(to);
    for (const [key, props] of [...this.#byPath]) {
      if (!isWithin(from, key)) continue;
      this.#byPath.delete(key);
      this.#byPath.set(to + key.slice(from.length), props);
    }
  }

  /** Forget the properties of the path and below. */
  remove(key: string): void {
    for (const k of [...this.#byPath.keys()]) if (isWithin(key, k)) this.#drop(k);
  }

  #set(key: string, props: Map<string, StoredProp>): void {
    if (props.size === 0) this.#byPath.delete(key);
    else this.#byPath.set(key, props);
  }

  #drop(key: string): void {
    const props = this.#byPath.get(key);
    if (!props) return;
    this.#count -= props.size;
    this.#chars -= size(props);
    this.#byPath.delete(key);
  }
}

function size(props: ReadonlyMap<string, StoredProp>): number {
  let chars = 0;
  for (const p of props.values()) chars += p.xml.length;
  return chars;
}
