import mime from 'mime-types';

const cache = new Map<string, string>();

/**
 * Content-Type for a file name: from mime-types by extension, text types with `charset=utf-8`,
 * unknown types `application/octet-stream`. Memoised per extension (it sits on the hot path).
 */
export function contentType(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  let type = cache.get(ext);
  if (type === undefined) {
    const found = ext ? mime.lookup(ext) : false;
    type = found ? mime.contentType(found) || found : 'application/octet-stream';
    if (cache.size < 1000) cache.set(ext, type);
  }
  return type;
}
