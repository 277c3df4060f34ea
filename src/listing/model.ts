/**
 * The listing model (placeholder until the core's `src/listing/model.ts` lands on main; the interfaces
 * here are the agreed shape, so the renderers compile against them now).
 */
export interface Entry {
  name: string;
  type: 'file' | 'directory';
  size: number;
  mtimeMs: number;
}

export interface Listing {
  /** Mount prefix without trailing slash; `''` at top level. */
  base: string;
  /** Decoded folder path with leading and trailing slash, e.g. `/sub dir/`. */
  path: string;
  /** Already sorted. */
  entries: Entry[];
}
