/**
 * The WebDAV `If` header (RFC 4918 §10.4): lists of conditions on lock tokens and entity tags, optionally tagged
 * with the resource they are about. Parsed here into a plain structure; evaluated by the caller, which knows the
 * locks and the entity tags. A header that does not parse is a bad request (400).
 */
import { HttpError } from '../http/errors.js';

/** One condition: a state token (`<opaquelocktoken:…>`, `<DAV:no-lock>`) or an entity tag (`["…"]`), maybe negated. */
export interface Condition {
  readonly not: boolean;
  readonly token?: string;
  readonly etag?: string;
}

/** A parenthesised list of conditions, all of which must hold; `resource` is its tag (a URL), or null. */
export interface ConditionList {
  readonly resource: string | null;
  readonly conditions: readonly Condition[];
}

/** Most lists and conditions accepted in one header. */
const MAX_CONDITIONS = 64;

/** Parse an `If` header value; `[]` when there is none. */
export function parseIf(value: string | undefined): ConditionList[] {
  if (value === undefined) return [];
  const lists: ConditionList[] = [];
  let resource: string | null = null;
  let at = 0;
  let count = 0;
  const skip = (): void => {
    while (at < value.length && (value[at] === ' ' || value[at] === '\t')) at++;
  };
  const until = (end: string): string => {
    const i = value.indexOf(end, at + 1);
    if (i < 0) throw new HttpError(400, 'malformed If header');
    const inner = value.slice(at + 1, i);
    at = i + 1;
    return inner;
  };
  let tagWithoutList = false;
  for (skip(); at < value.length; skip()) {
    if (value[at] === '<') {
      if (tagWithoutList) throw new HttpError(400, 'a resource tag without a list in If header');
      resource = until('>');
      tagWithoutList = true;
    } else if (value[at] === '(') {
      tagWithoutList = false;
      at++;
      const conditions: Condition[] = [];
      for (skip(); value[at] !== ')'; skip()) {
        if (at >= value.length || ++count > MAX_CONDITIONS) throw new HttpError(400, 'malformed If header');
        let not = false;
        if (/^not\b/i.test(value.slice(at, at + 4))) {
          not = true;
          at += 3;
          skip();
        }
        if (value[at] === '<') conditions.push({ not, token: until('>') });
        else if (value[at] === '[') conditions.push({ not, etag: until(']') });
        else throw new HttpError(400, 'malformed If header');
      }
      at++;
      if (conditions.length === 0) throw new HttpError(400, 'empty list in If header');
      lists.push({ resource, conditions });
    } else throw new HttpError(400, 'malformed If header');
  }
  if (tagWithoutList) throw new HttpError(400, 'a resource tag without a list in If header');
  return lists;
}

/** The lock tokens the header names (not negated): the tokens the client submits for locks it holds. */
export function submittedTokens(lists: readonly ConditionList[]): Set<string> {
  const tokens = new Set<string>();
  for (const list of lists) for (const c of list.conditions) if (!c.not && c.token !== undefined) tokens.add(c.token);
  return tokens;
}
