import type { Entry } from '../../fs/entries.js';
import { fileHeader, fileMeta, prevNext, rawHref, viewHref, type FileView } from './chrome.js';
import type { SubtitleTrack } from './siblings.js';
import { escapeHtml, hrefOf } from '../ui/escape.js';
import { exactTime, humanSize } from '../ui/format.js';
import { icon } from '../ui/icons.js';
import type { Playability } from '../ui/kind.js';
import { renderPage } from '../ui/page.js';
import { FFMPEG_WOULD_PLAY, TRANSCODE_SCRIPTS, transcodeVideo, type TranscodeHook } from './transcode.js';

export interface PlayerView extends FileView {
  readonly kind: 'video' | 'audio';
  readonly playability: Playability;
  readonly subtitles: readonly SubtitleTrack[];
  /** Issue 15: the hook of a film ffmpeg may convert (see transcode.ts); `null`: no ffmpeg. */
  readonly transcode?: TranscodeHook | null;
  /** An audio file's folder as an album: its cover (a name in the folder) and its tracks in order. */
  readonly album?: { readonly cover: string | null; readonly tracks: readonly Entry[] };
  /** The origin shared links use (the LAN address when the page was opened on this machine). */
  readonly shareOrigin?: string;
}

/** The album's cover, or the audio icon when the folder has none. */
function audioArt(view: PlayerView): string {
  const cover = view.album?.cover;
  if (cover === null || cover === undefined) return `<div class="audio-art">${icon('audio', 'k-audio')}</div>`;
  return `<div class="audio-art"><img class="cover" src="${escapeHtml(hrefOf(view.base, view.folder, cover))}" alt="Cover"></div>`;
}

/**
 * The folder's tracks (album.js plays them one after the other in this page, so the music does not stop
 * between tracks, also with the screen locked). Each link is the track's player page.
 */
function trackList(view: PlayerView): string {
  const tracks = view.album?.tracks ?? [];
  if (tracks.length < 2) return '';
  const item = (t: Entry): string => {
    const current = t.name === view.name ? ' aria-current="true"' : '';
    const src = escapeHtml(hrefOf(view.base, view.folder, t.name));
    const facts = `data-size="${humanSize(t.size)}" data-time="${escapeHtml(exactTime(t.mtimeMs))}" data-iso="${new Date(t.mtimeMs).toISOString()}"`;
    return `<li><a href="${escapeHtml(viewHref(view, t.name))}" data-src="${src}" ${facts}${current}>${escapeHtml(t.name)}</a></li>`;
  };
  return `<section class="album" aria-labelledby="album-title"><h2 id="album-title">Tracks</h2><ol>${tracks.map(item).join('')}</ol></section>`;
}

function track(view: PlayerView, sub: SubtitleTrack, first: boolean): string {
  const href = sub.href ?? hrefOf(view.base, view.folder, sub.name) + (sub.convert ? '?format=vtt' : '');
  const lang = sub.lang === null ? '' : ` srclang="${escapeHtml(sub.lang)}"`;
  return `<track kind="subtitles" src="${escapeHtml(href)}"${lang} label="${escapeHtml(sub.label)}"${first ? ' default' : ''}>`;
}

function note(view: PlayerView, hidden: boolean): string {
  const what = view.kind === 'video' ? 'video' : 'audio file';
  return `<div class="note"${hidden ? ' hidden data-media-error' : ''} role="status">
<p><strong>Your browser cannot play this ${what}.</strong> ${hidden ? 'Its format or codecs are not supported here.' : `Browsers do not play <code>${escapeHtml(view.contentType.replace(/;.*$/, ''))}</code> files.`}
Download it and open it in a media player such as VLC or mpv.${view.kind === 'video' && !view.transcode ? ` ${FFMPEG_WOULD_PLAY}` : ''}</p>
<p><a class="btn primary" href="${escapeHtml(`${rawHref(view)}?download`)}" download="${escapeHtml(view.name)}">${icon('download')}Download</a></p>
</div>`;
}

/**
 * One chip per track, which the script makes switch to it (pressed: showing; pressed again: off). Hidden
 * until the script runs: without it they would do nothing, and the browser's own menu is there.
 */
function subtitleChips(subtitles: readonly SubtitleTrack[]): string {
  const chip = (s: SubtitleTrack, i: number): string =>
    `<button type="button" class="chip" data-track="${i}" aria-pressed="false">${escapeHtml(s.label)}${s.convert ? ' <small>(SRT)</small>' : ''}</button>`;
  return `<p class="subs" hidden><span id="subs-label">Subtitles:</span> <span role="group" aria-labelledby="subs-label">${subtitles.map(chip).join(' ')}</span></p>`;
}

/**
 * Share (a link to this player page at the current position, `#t=`) and its QR code: the script fills in
 * the link and asks for the code (`?view&format=qr&t=`) only when pressed, so both are hidden without it.
 */
function sharing(view: PlayerView): string {
  return `<div class="share" data-share-origin="${escapeHtml(view.shareOrigin ?? '')}" hidden>
<p class="actions"><button class="btn" type="button" data-share>${icon('link')}<span class="label">Share at this moment</span></button><button class="btn" type="button" data-qr aria-expanded="false">QR code</button></p>
<div class="share-panel" hidden><input class="share-url" type="text" readonly aria-label="Link to this moment"><img class="qr" alt="QR code of the link" width="240" height="240" hidden></div>
</div>`;
}

/**
 * The player page of a video or audio file: an HTML5 media element on the raw file URL (the browser
 * seeks with Range requests), subtitle tracks, previous/next, download and copy-link. A format browsers
 * do not play gets a note and the download instead of a broken player; a format that may or may not play
 * (depends on the codecs inside) gets the player plus a note the script reveals on a media error.
 */
export function renderPlayerHtml(view: PlayerView): string {
  const src = escapeHtml(rawHref(view));
  let stage: string;
  if (view.playability === 'no' && !view.transcode) {
    stage = note(view, false);
  } else {
    const tracks = view.kind === 'video' ? view.subtitles.map((s, i) => track(view, s, i === 0)).join('') : '';
    const media = view.transcode
      ? transcodeVideo(view.transcode, view.base, src, tracks)
      : view.kind === 'video'
        ? `<video id="media" controls preload="metadata" playsinline src="${src}">${tracks}</video>`
        : `${audioArt(view)}<audio id="media" controls preload="metadata" src="${src}"></audio>`;
    // Even a format browsers play may hold a codec this one does not decode: the script shows the note then.
    stage = media + note(view, true);
  }
  const subs = view.kind === 'video' && view.subtitles.length > 0 ? subtitleChips(view.subtitles) : '';
  const body = `${fileHeader(view)}
<main class="viewer ${view.kind}">
<div class="stage">${stage}</div>
${fileMeta(view)}
${view.playability === 'no' ? '' : sharing(view)}
${subs}
${prevNext(view)}
${view.kind === 'audio' ? trackList(view) : ''}
<p class="keys"><kbd>Space</kbd> play · <kbd>←</kbd> <kbd>→</kbd> 10 s · <kbd>f</kbd> full screen · <kbd>c</kbd> subtitles · <kbd>m</kbd> mute · <kbd>p</kbd> previous · <kbd>n</kbd> next · <kbd>Esc</kbd> back to the folder</p>
</main>`;
  const scripts = [
    ...(view.transcode ? TRANSCODE_SCRIPTS : []),
    ...(view.kind === 'audio' && view.album !== undefined ? ['album.js'] : []),
  ];
  return renderPage({ title: `${view.name} — aqua-serve`, base: view.base, kind: 'player', body, scripts });
}
