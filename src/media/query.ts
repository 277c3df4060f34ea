/** The media queries of a file URL, parsed once (pure): `?thumb`, `?media`, `?hls=<mode>[&seg=N]`, `?sub=N`. */
import type { HlsMode } from './service.js';

export type MediaQuery =
  /** `?thumb` (`&v=…`: a versioned URL, cacheable for ever). */
  | { readonly kind: 'thumb'; readonly versioned: boolean }
  /** `?media`: what the player needs to choose direct play, remux or transcode (JSON). */
  | { readonly kind: 'info' }
  /** `?hls=remux|transcode`: the VOD playlist. */
  | { readonly kind: 'playlist'; readonly mode: HlsMode }
  /** `?hls=remux|transcode&seg=N`: one MPEG-TS segment. */
  | { readonly kind: 'segment'; readonly mode: HlsMode; readonly index: number }
  /** `?sub=N`: text subtitle stream N as WebVTT. */
  | { readonly kind: 'subtitle'; readonly stream: number }
  /** A media query that names nothing (bad mode or number): 404. */
  | { readonly kind: 'invalid' };

const INDEX = /^(0|[1-9]\d{0,6})$/;

/** The media query of `query`, or `null` when it has none. */
export function parseMediaQuery(query: URLSearchParams): MediaQuery | null {
  if (query.has('thumb')) return { kind: 'thumb', versioned: query.has('v') };
  if (query.has('media')) return { kind: 'info' };
  const hls = query.get('hls');
  if (hls !== null) {
    if (hls !== 'remux' && hls !== 'transcode') return { kind: 'invalid' };
    const seg = query.get('seg');
    if (seg === null) return { kind: 'playlist', mode: hls };
    return INDEX.test(seg) ? { kind: 'segment', mode: hls, index: Number(seg) } : { kind: 'invalid' };
  }
  const sub = query.get('sub');
  if (sub !== null) return INDEX.test(sub) ? { kind: 'subtitle', stream: Number(sub) } : { kind: 'invalid' };
  return null;
}
