/**
 * The player page's hook for films the browser may not play as they are (issue 15): the `<video>` gets no
 * `src` but `data-` attributes, and assets/transcode.js chooses direct play, a remux or a transcode from the
 * browser's own answers, loading the HLS library only when it needs it.
 */
import { assetUrl, hasAsset } from '../ui/assets.js';
import { escapeHtml } from '../ui/escape.js';

/** What the page needs to convert a film; `null` in a view means ffmpeg is not there. */
export interface TranscodeHook {
  /** URL of the film's `?media` description. */
  readonly info: string;
}

/** The classic scripts a page with the hook adds. */
export const TRANSCODE_SCRIPTS: readonly string[] = ['transcode.js'];

/** The video element of a page with the hook: the script sets its source. */
export function transcodeVideo(hook: TranscodeHook, base: string, src: string, tracks: string): string {
  const hls = hasAsset('hls.js') ? escapeHtml(base + assetUrl('hls.js')) : '';
  return `<video id="media" controls preload="metadata" playsinline data-src="${src}" data-transcode="${escapeHtml(hook.info)}" data-hls="${hls}">${tracks}</video>
<p class="transcode-status" role="status" hidden></p>`;
}

/** The note's sentence when the server has no ffmpeg: what it would add. */
export const FFMPEG_WOULD_PLAY =
  'With ffmpeg installed on the server, aqua-serve would convert it as it plays, so that it plays here.';
