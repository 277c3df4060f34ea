/**
 * HLS VOD from the probed duration: the whole playlist is known before anything is converted (the player
 * shows the duration at once and may seek anywhere), and each segment is made on demand when asked for.
 * A transcode cuts the timeline every {@link SEGMENT_SECONDS} (the encoder starts each segment with a key
 * frame); a remux copies the video, so its segments start on the source's own key frames. Pure.
 */

/** Target segment length in seconds: short enough that a seek answers in about two seconds. */
export const SEGMENT_SECONDS = 4;

/** A segment: its start on the file's timeline (0-based) and its length, in seconds. */
export interface Segment {
  readonly start: number;
  readonly duration: number;
}

/** Fixed-length segments over `duration` seconds (the last one shorter). */
export function fixedSegments(duration: number, length = SEGMENT_SECONDS): Segment[] {
  const segments: Segment[] = [];
  const count = Math.max(1, Math.ceil(duration / length - 1e-6));
  for (let i = 0; i < count; i++) {
    const start = i * length;
    segments.push({ start, duration: Math.min(length, duration - start) || length });
  }
  return segments;
}

/**
 * Segments that start on key frames: `keyframes` are key-frame times (0-based, seconds); a segment runs from
 * one chosen key frame to the next at least `length` seconds on, the last to `duration`. `null` when there
 * is no key frame to start from.
 */
export function keyframeSegments(
  keyframes: readonly number[],
  duration: number,
  length = SEGMENT_SECONDS,
): Segment[] | null {
  const sorted = [...new Set(keyframes.filter((k) => Number.isFinite(k) && k >= 0 && k < duration))].sort(
    (a, b) => a - b,
  );
  if (sorted.length === 0 || sorted[0]! > 0.5) return null;
  const starts = [0];
  for (const k of sorted) if (k - starts[starts.length - 1]! >= length) starts.push(k);
  return starts.map((start, i) => ({ start, duration: (starts[i + 1] ?? duration) - start }));
}

/** ffprobe's `packet=pts_time,flags` CSV lines as key-frame times relative to `startTime`. */
export function parseKeyframes(csv: string, startTime: number): number[] {
  const times: number[] = [];
  for (const line of csv.split('\n')) {
    const [pts, flags] = line.trim().split(',');
    if (!flags?.includes('K')) continue;
    const t = Number(pts);
    if (Number.isFinite(t)) times.push(Math.max(0, t - startTime));
  }
  return times;
}

/**
 * The VOD playlist: every segment, each one's URL `segmentUrl(i)` (relative to the playlist's own URL).
 * Segments are MPEG-TS.
 */
export function playlistText(segments: readonly Segment[], segmentUrl: (index: number) => string): string {
  const target = Math.ceil(Math.max(...segments.map((s) => s.duration), 1));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0'];
  lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  segments.forEach((s, i) => lines.push(`#EXTINF:${s.duration.toFixed(3)},`, segmentUrl(i)));
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
