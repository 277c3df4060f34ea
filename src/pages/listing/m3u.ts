import type { Entry } from '../../fs/entries.js';
import { baseNameOf, extensionOf } from '../ui/kind.js';
import type { ListingPlace } from './html.js';
import { findSubtitles } from '../view/siblings.js';
import { hrefOf } from '../ui/escape.js';

/** What a playlist needs besides its entries: where the folder is, seen from the client. */
export interface PlaylistPlace extends ListingPlace {
  /** `http://host:port` as the client reached the server (from the Host header). */
  readonly origin: string;
}

/** One line of text: a name with a line break in it must not start a new playlist line. */
const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ');

/**
 * An extended M3U playlist of the folder's media (`#EXTM3U`, one `#EXTINF:-1,<title>` and absolute URL
 * per file), which VLC, mpv and Kodi open directly. The title is the name without its extension; a
 * video's subtitles next to it (`film.en.srt`, see {@link findSubtitles}) ride along as
 * `#EXTVLCOPT:sub-file=<url>`, the one subtitle form M3U has (VLC reads it; other players skip it).
 * `media` are the folder's video and audio files in display order; `names` all its file names.
 */
export function renderM3u(place: PlaylistPlace, media: readonly Entry[], names: readonly string[]): string {
  const url = (name: string): string => place.origin + hrefOf(place.base, place.path, name);
  const subtitles = subtitlesByStem(names);
  let out = '#EXTM3U\n';
  for (const entry of media) {
    out += `#EXTINF:-1,${oneLine(baseNameOf(entry.name))}\n`;
    const candidates = subtitles.get(baseNameOf(entry.name));
    const subtitle = candidates ? findSubtitles(entry.name, candidates)[0] : undefined;
    if (subtitle) out += `#EXTVLCOPT:sub-file=${url(subtitle.name)}\n`;
    out += `${url(entry.name)}\n`;
  }
  return out;
}

/**
 * Subtitle names (`.vtt`, `.srt`) under every stem they could belong to: `film.en.srt` under `film.en`
 * and `film`, so each media file looks up its few candidates instead of scanning the whole folder.
 */
function subtitlesByStem(names: readonly string[]): Map<string, string[]> {
  const byStem = new Map<string, string[]>();
  for (const name of names) {
    const ext = extensionOf(name);
    if (ext !== 'vtt' && ext !== 'srt') continue;
    let stem = baseNameOf(name);
    for (;;) {
      const list = byStem.get(stem);
      if (list) list.push(name);
      else byStem.set(stem, [name]);
      const dot = stem.lastIndexOf('.');
      if (dot <= 0) break;
      stem = stem.slice(0, dot);
    }
  }
  return byStem;
}
