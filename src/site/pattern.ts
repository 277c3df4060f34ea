/**
 * Path patterns of `aqua.json` rules, matched against the decoded request path (`/blog/2024/hello`):
 *
 * | in the pattern | matches |
 * |---|---|
 * | `:name` | one whole segment (not empty, no `/`), captured as `name` |
 * | `:name*` | the rest of the path, possibly empty, `/` included, captured as `name` (last only) |
 * | `*` | any characters within one segment |
 * | `**` | any characters, `/` included; `**` followed by `/` may also match nothing |
 * | anything else | itself, case-sensitively |
 *
 * A destination names captures the same way (`/posts/:slug`); each is put back percent-encoded.
 */

/** A pattern that cannot be used; the message says why. */
export class PatternError extends Error {}

export interface Pattern {
  readonly source: string;
  /** The captures of `path`, or `null` when it does not match. */
  match(path: string): Record<string, string> | null;
}

const NAME = /^:([A-Za-z_][A-Za-z0-9_]*)(\*?)/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compile `source` into a matcher; throws {@link PatternError} without a leading `/` or for a reused name. */
export function compilePattern(source: string): Pattern {
  if (!source.startsWith('/')) throw new PatternError('must start with "/"');
  const names: string[] = [];
  let regex = '';
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const named = NAME.exec(rest);
    if (named && source[i - 1] === '/') {
      const [whole, name, star] = named;
      if (names.includes(name)) throw new PatternError(`capture ":${name}" appears twice`);
      if (star && i + whole.length !== source.length) throw new PatternError(`":${name}*" must end the pattern`);
      names.push(name);
      regex += star ? '(.*)' : '([^/]+)';
      i += whole.length;
    } else if (rest.startsWith('**/')) {
      regex += '(?:.*/)?';
      i += 3;
    } else if (rest.startsWith('**')) {
      regex += '.*';
      i += 2;
    } else if (rest.startsWith('*')) {
      regex += '[^/]*';
      i += 1;
    } else {
      regex += escapeRegExp(source[i]);
      i += 1;
    }
  }
  const compiled = new RegExp(`^${regex}$`);
  return {
    source,
    match(path) {
      const found = compiled.exec(path);
      if (!found) return null;
      const captures: Record<string, string> = {};
      names.forEach((name, index) => (captures[name] = found[index + 1] ?? ''));
      return captures;
    },
  };
}

/**
 * Put captures into a destination: each `:name` that was captured is replaced by its value,
 * percent-encoded segment by segment (`/` kept); any other `:` text stays as written (`https://`).
 */
export function fillDestination(destination: string, captures: Readonly<Record<string, string>>): string {
  return destination.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (text, name: string) => {
    const value = Object.hasOwn(captures, name) ? captures[name] : undefined;
    return value === undefined ? text : value.split('/').map(encodeURIComponent).join('/');
  });
}
