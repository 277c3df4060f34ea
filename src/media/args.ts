/**
 * The argument arrays of every ffmpeg and ffprobe run, in one place (pure). Each names its input as
 * `file:<absolute path>` (never a protocol or an option), limits ffmpeg to the file and pipe protocols and to
 * a list of demuxers (no playlist or concat list can make it read another file), and writes to one output.
 */
import type { Segment } from './hls.js';
import { MEDIA_DEMUXERS, type MediaInfo } from './probe.js';
import { FFMPEG_PREFIX } from './run.js';

/** `--transcode-quality`: the x264 speed preset, quality (CRF) and largest height of each. */
export const QUALITIES = {
  low: { preset: 'ultrafast', crf: 28, height: 480, audioBitrate: '96k' },
  medium: { preset: 'veryfast', crf: 23, height: 720, audioBitrate: '128k' },
  high: { preset: 'faster', crf: 20, height: 1080, audioBitrate: '160k' },
} as const;

/** `--transcode-quality`: `low` (480p, fastest), `medium` (720p, the default) or `high` (1080p, slowest). */
export type TranscodeQuality = keyof typeof QUALITIES;

export const TRANSCODE_QUALITIES = Object.keys(QUALITIES) as readonly TranscodeQuality[];

const input = (abs: string, demuxers: string): string[] => ['-format_whitelist', demuxers, '-i', `file:${abs}`];

/** ffprobe: the container and the streams, as JSON. */
export function probeArgs(abs: string): string[] {
  return [
    '-v',
    'error',
    '-protocol_whitelist',
    'file',
    ...input(abs, MEDIA_DEMUXERS),
    '-show_format',
    '-show_streams',
    '-of',
    'json',
  ];
}

/** ffprobe: the first video stream's packet times and flags (demuxed only, nothing decoded), as CSV. */
export function keyframeArgs(abs: string): string[] {
  return [
    '-v',
    'error',
    '-protocol_whitelist',
    'file',
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time,flags',
    '-of',
    'csv=p=0',
    ...input(abs, MEDIA_DEMUXERS),
  ];
}

const tsOutput = (start: number, out: string): string[] => [
  '-output_ts_offset',
  start.toFixed(6),
  '-muxdelay',
  '0',
  '-muxpreload',
  '0',
  '-f',
  'mpegts',
  '-y',
  out,
];

/** One remuxed segment: video copied from the key frame at `segment.start`, audio copied (AAC) or made AAC. */
export function remuxSegmentArgs(abs: string, info: MediaInfo, segment: Segment, out: string): string[] {
  // Just after the key frame: seeking lands on the last key frame at or before the time asked.
  const seek = info.startTime > 0 || segment.start > 0 ? ['-ss', (segment.start + 0.0005).toFixed(6)] : [];
  const audio = info.audio
    ? [
        '-map',
        `0:${info.audio.index}`,
        ...(info.audio.codec === 'aac' ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-ac', '2', '-b:a', '160k']),
      ]
    : [];
  return [
    ...FFMPEG_PREFIX,
    ...seek,
    ...input(abs, MEDIA_DEMUXERS),
    '-t',
    Math.max(0.01, segment.duration - 0.001).toFixed(6),
    '-map',
    `0:${info.video?.index ?? 0}`,
    ...audio,
    '-sn',
    '-dn',
    '-c:v',
    'copy',
    ...tsOutput(segment.start, out),
  ];
}

/** One transcoded segment: H.264 (starting with a key frame) and AAC, at most the quality's height. */
export function transcodeSegmentArgs(
  abs: string,
  info: MediaInfo,
  segment: Segment,
  quality: TranscodeQuality,
  out: string,
): string[] {
  const q = QUALITIES[quality];
  const audio = info.audio ? ['-map', `0:${info.audio.index}`, '-c:a', 'aac', '-ac', '2', '-b:a', q.audioBitrate] : [];
  return [
    ...FFMPEG_PREFIX,
    '-ss',
    segment.start.toFixed(6),
    ...input(abs, MEDIA_DEMUXERS),
    '-t',
    segment.duration.toFixed(6),
    '-map',
    `0:${info.video?.index ?? 0}`,
    ...audio,
    '-sn',
    '-dn',
    '-vf',
    `scale=w=-2:h='trunc(min(${q.height},ih)/2)*2',format=yuv420p`,
    '-c:v',
    'libx264',
    '-preset',
    q.preset,
    '-crf',
    String(q.crf),
    '-profile:v',
    'high',
    '-level',
    '4.0',
    '-force_key_frames',
    'expr:eq(n,0)',
    '-threads',
    '2',
    ...tsOutput(segment.start, out),
  ];
}

/** A text subtitle stream as WebVTT. */
export function subtitleArgs(abs: string, stream: number, out: string): string[] {
  return [
    ...FFMPEG_PREFIX,
    ...input(abs, MEDIA_DEMUXERS),
    '-map',
    `0:${stream}`,
    '-c:s',
    'webvtt',
    '-f',
    'webvtt',
    '-y',
    out,
  ];
}

/** Largest side of a thumbnail. */
export const THUMB_SIZE = 320;

const thumbOutput = (out: string): string[] => [
  '-frames:v',
  '1',
  '-an',
  '-sn',
  '-vf',
  `scale='min(${THUMB_SIZE},iw)':'min(${THUMB_SIZE},ih)':force_original_aspect_ratio=decrease`,
  '-c:v',
  'mjpeg',
  '-q:v',
  '4',
  '-f',
  'mjpeg',
  '-y',
  out,
];

/** A video's thumbnail: the frame at `at` seconds, scaled down to fit 320 × 320. */
export function videoThumbArgs(abs: string, at: number, out: string): string[] {
  return [...FFMPEG_PREFIX, '-ss', at.toFixed(3), ...input(abs, MEDIA_DEMUXERS), ...thumbOutput(out)];
}

/**
 * An image's thumbnail: its first frame, scaled down to fit 320 × 320. The demuxer is forced: `gif`, else
 * `image2` reading this one file (`-pattern_type none`: a `%d` in the name is no sequence).
 */
export function imageThumbArgs(abs: string, out: string): string[] {
  const demuxer = /\.gif$/i.test(abs) ? ['-f', 'gif'] : ['-f', 'image2', '-pattern_type', 'none'];
  return [...FFMPEG_PREFIX, ...demuxer, '-i', `file:${abs}`, ...thumbOutput(out)];
}
