/**
 * What ffprobe says of a media file, reduced to what the player needs: duration, the first video and audio
 * streams, the text subtitle streams, and the codec strings a browser is asked about
 * (`MediaSource.isTypeSupported`, `canPlayType`). Pure: the JSON in, a typed value out.
 */

export interface VideoStream {
  readonly index: number;
  readonly codec: string;
  readonly profile: string;
  readonly level: number;
  readonly width: number;
  readonly height: number;
}

export interface AudioStream {
  readonly index: number;
  readonly codec: string;
  readonly channels: number;
}

/** A text subtitle stream inside the container, extracted to WebVTT on demand. */
export interface SubtitleStream {
  readonly index: number;
  readonly codec: string;
  /** ISO 639 code from the stream's tags (`eng`), or `null`. */
  readonly lang: string | null;
  readonly title: string | null;
}

export interface MediaInfo {
  /** ffprobe's `format_name` (`matroska,webm`, `mov,mp4,…`, `avi`, `mpegts`). */
  readonly format: string;
  /** Seconds; 0 when unknown. */
  readonly duration: number;
  /** Seconds of the container's first timestamp (MPEG-TS often starts at 1.4 s). */
  readonly startTime: number;
  readonly video: VideoStream | null;
  readonly audio: AudioStream | null;
  readonly subtitles: readonly SubtitleStream[];
}

/** Demuxers ffmpeg may use on a served file: no playlists (hls), no concat lists, no image sequences. */
export const MEDIA_DEMUXERS = [
  'mov,mp4,m4a,3gp,3g2,mj2',
  'matroska,webm',
  'avi',
  'mpegts',
  'mpeg',
  'flv',
  'asf',
  'ogg',
  'mp3',
  'aac',
  'flac',
  'wav',
  'm4v',
  'h264',
  'hevc',
].join(',');

/** Subtitle codecs ffmpeg turns into WebVTT (bitmap ones, PGS and DVD, cannot be). */
const TEXT_SUBTITLES = new Set(['subrip', 'srt', 'ass', 'ssa', 'mov_text', 'webvtt', 'text']);

interface RawStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  channels?: number;
  disposition?: { attached_pic?: number };
  tags?: { language?: string; title?: string };
}

interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; duration?: string; start_time?: string };
}

const num = (text: string | undefined): number => {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : 0;
};

/** ffprobe's `-show_format -show_streams -of json` output as a {@link MediaInfo}, or `null` if it has no stream. */
export function parseProbe(json: string): MediaInfo | null {
  let raw: RawProbe;
  try {
    raw = JSON.parse(json) as RawProbe;
  } catch {
    return null;
  }
  const streams = Array.isArray(raw.streams) ? raw.streams : [];
  const v = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1 && (s.width ?? 0) > 0);
  const a = streams.find((s) => s.codec_type === 'audio');
  if (!v && !a) return null;
  const subtitles = streams
    .filter((s) => s.codec_type === 'subtitle' && TEXT_SUBTITLES.has(s.codec_name ?? ''))
    .map((s) => ({
      index: s.index ?? -1,
      codec: s.codec_name ?? '',
      lang: /^[a-z]{2,3}$/i.test(s.tags?.language ?? '') && s.tags?.language !== 'und' ? s.tags!.language! : null,
      title: typeof s.tags?.title === 'string' ? s.tags.title.slice(0, 100) : null,
    }))
    .filter((s) => s.index >= 0);
  return {
    format: raw.format?.format_name ?? '',
    duration: num(raw.format?.duration),
    startTime: Number(raw.format?.start_time) || 0,
    video: v
      ? {
          index: v.index ?? 0,
          codec: v.codec_name ?? '',
          profile: v.profile ?? '',
          level: v.level ?? 0,
          width: v.width ?? 0,
          height: v.height ?? 0,
        }
      : null,
    audio: a ? { index: a.index ?? 0, codec: a.codec_name ?? '', channels: a.channels ?? 2 } : null,
    subtitles,
  };
}

const AVC_PROFILES: Readonly<Record<string, string>> = {
  baseline: '42',
  'constrained baseline': '42',
  main: '4d',
  extended: '58',
  high: '64',
  'high 10': '6e',
  'high 4:2:2': '7a',
  'high 4:4:4 predictive': 'f4',
};

/** RFC 6381 codec string of an H.264 stream (`avc1.64001f`), or `null` for an unknown profile. */
export function avcCodec(video: VideoStream): string | null {
  const profile = AVC_PROFILES[video.profile.toLowerCase()];
  if (!profile || video.level <= 0) return null;
  const constraints = video.profile.toLowerCase() === 'constrained baseline' ? 'e0' : '00';
  return `avc1.${profile}${constraints}${video.level.toString(16).padStart(2, '0')}`;
}

/** What the transcode makes: H.264 High (level 4.0) with AAC-LC. */
export const TRANSCODE_TYPE = 'video/mp4; codecs="avc1.640028,mp4a.40.2"';

/**
 * The type to ask `MediaSource.isTypeSupported` before a remux (video copied into MPEG-TS, which hls.js turns
 * into fragmented MP4; audio copied when it is AAC, else made AAC): only H.264 video is remuxed.
 */
export function remuxType(info: MediaInfo): string | null {
  const avc = info.video && info.video.codec === 'h264' ? avcCodec(info.video) : null;
  if (!avc) return null;
  return `video/mp4; codecs="${info.audio ? `${avc},mp4a.40.2` : avc}"`;
}

/** Whether a remux copies the audio (AAC) rather than encoding it. */
export function remuxCopiesAudio(info: MediaInfo): boolean {
  return info.audio?.codec === 'aac';
}

const WEBM_VIDEO: Readonly<Record<string, string>> = { vp8: 'vp8', vp9: 'vp9', av1: 'av01.0.08M.08' };
const WEBM_AUDIO: Readonly<Record<string, string>> = { opus: 'opus', vorbis: 'vorbis' };

/**
 * The type to ask `canPlayType` for playing the file as it is: Matroska/WebM with WebM codecs (Chromium reads
 * them as WebM). `null` when the file is no candidate for direct play.
 */
export function directType(info: MediaInfo): string | null {
  if (!info.format.includes('matroska') || !info.video) return null;
  const video = WEBM_VIDEO[info.video.codec];
  const audio = info.audio ? WEBM_AUDIO[info.audio.codec] : undefined;
  if (!video || (info.audio && !audio)) return null;
  return `video/webm; codecs="${audio ? `${video},${audio}` : video}"`;
}
