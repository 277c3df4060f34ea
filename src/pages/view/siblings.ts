import { baseNameOf, extensionOf } from '../ui/kind.js';

/** A file's place among the files of its folder that share its viewer (videos and audio, or images). */
export interface Neighbours {
  readonly prev: string | null;
  readonly next: string | null;
  /** 0-based position of the file, -1 when it is not among `names`. */
  readonly index: number;
  readonly count: number;
}

/** `names` in display order; previous and next do not wrap around. */
export function neighbours(names: readonly string[], name: string): Neighbours {
  const index = names.indexOf(name);
  return {
    prev: index > 0 ? (names[index - 1] as string) : null,
    next: index >= 0 && index < names.length - 1 ? (names[index + 1] as string) : null,
    index,
    count: names.length,
  };
}

/** A subtitle file found next to a video, as a `<track>` wants it. */
export interface SubtitleTrack {
  /** The subtitle's file name in the same folder. */
  readonly name: string;
  /** `true` for SubRip: the track URL asks for `?format=vtt`. */
  readonly convert: boolean;
  /** BCP 47 tag (`en`, `pt-BR`) when the name carries one, as in `film.en.vtt`. */
  readonly lang: string | null;
  /** What the player's menu shows: `English`, `English (forced)`, `Subtitles`. */
  readonly label: string;
  /** The track's URL when it is not the file `name` (a stream inside the film: `film.mkv?sub=2`). */
  readonly href?: string;
}

const LANG = /^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$/i;
const languageNames = new Intl.DisplayNames('en', { type: 'language', fallback: 'none' });

function languageName(tag: string): string | null {
  try {
    return languageNames.of(tag) ?? null;
  } catch {
    return null;
  }
}

/**
 * Subtitles of `mediaName` among `siblings`: `.vtt` and `.srt` files whose name is the media's base name,
 * optionally followed by `.<lang>` and further tags (`film.vtt`, `film.en.vtt`, `film.pt-BR.forced.srt`).
 * The file without a language comes first, then the rest in the order given. Matching is exact
 * (case-sensitive), as file names are.
 */
export function findSubtitles(mediaName: string, siblings: readonly string[]): SubtitleTrack[] {
  const stem = baseNameOf(mediaName);
  const tracks: SubtitleTrack[] = [];
  for (const name of siblings) {
    const ext = extensionOf(name);
    if (ext !== 'vtt' && ext !== 'srt') continue;
    const subStem = baseNameOf(name);
    let tags: string[];
    if (subStem === stem) tags = [];
    else if (subStem.startsWith(`${stem}.`)) tags = subStem.slice(stem.length + 1).split('.');
    else continue;
    const first = tags[0];
    const langName = first !== undefined && LANG.test(first) ? languageName(first) : null;
    const lang = langName !== null && first !== undefined ? first : null;
    const rest = (lang === null ? tags : tags.slice(1)).filter((t) => t !== '');
    const main = langName ?? (rest.length > 0 ? '' : 'Subtitles');
    const extra = rest.join(' ');
    const label = main === '' ? extra : extra === '' ? main : `${main} (${extra})`;
    tracks.push({ name, convert: ext === 'srt', lang, label });
  }
  return tracks.sort(
    (a, b) => Number(a.lang !== null || a.label !== 'Subtitles') - Number(b.lang !== null || b.label !== 'Subtitles'),
  );
}

/** A file's place among its folder's files, found by name alone (no stat). */
export interface Place {
  /** Up to {@link NEARBY} names of the same viewer before the file, nearest first. */
  readonly before: readonly string[];
  /** Up to {@link NEARBY} names of the same viewer after the file, nearest first. */
  readonly after: readonly string[];
  /** 0-based position among the files of the same viewer, -1 when the file is not among `files`. */
  readonly index: number;
  readonly count: number;
  /** Names that may be the file's subtitles: its stem, then `.` (see {@link findSubtitles}). */
  readonly subtitleCandidates: readonly string[];
}

/** Candidates kept on each side: the nearest one may turn out not to be shown (a link out of the root). */
export const NEARBY = 4;

/**
 * Where `name` sits among `files` (in display order) counting only those `same` accepts, scanning in
 * slices that yield to the event loop every few milliseconds: a 100,000-file folder is scanned without
 * holding other requests up, and nothing is stat'ed.
 */
export async function placeAmong(
  files: readonly string[],
  name: string,
  same: (name: string) => boolean,
): Promise<Place> {
  const stem = `${baseNameOf(name)}.`;
  const before: string[] = [];
  const after: string[] = [];
  const subtitleCandidates: string[] = [];
  let index = -1;
  let count = 0;
  let since = performance.now();
  for (let i = 0; i < files.length; i++) {
    if ((i & 1023) === 1023 && performance.now() - since > 4) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
    const file = files[i] as string;
    if (file.startsWith(stem)) subtitleCandidates.push(file);
    if (file === name) index = count;
    if (!same(file)) continue;
    if (file !== name) {
      if (index < 0) {
        before.unshift(file);
        if (before.length > NEARBY) before.pop();
      } else if (after.length < NEARBY) after.push(file);
    }
    count++;
  }
  return { before, after, index, count, subtitleCandidates };
}

/** `Season 2`, `season_02`, `Series 3`, `Staffel 1`, `Saison 4`, `S05`: a folder's season number, or `null`. */
export function seasonOf(folderName: string): number | null {
  const match = SEASON.exec(folderName.trim());
  return match ? Number(match[1] ?? match[2]) : null;
}

const SEASON = /^(?:(?:season|series|staffel|saison|temporada|stagione)[\s._-]*(\d{1,3})|s(\d{1,3}))$/i;

/**
 * Among a folder's subfolder names, the season folder that comes right after (`step` 1) or before (`step`
 * -1) season `current`: the nearest higher (lower) season number. Looks at names only.
 */
export function adjacentSeason(folders: readonly string[], current: number, step: 1 | -1): string | null {
  let best: { name: string; n: number } | null = null;
  for (const name of folders) {
    const n = seasonOf(name);
    if (n === null || (step === 1 ? n <= current : n >= current)) continue;
    if (best === null || (step === 1 ? n < best.n : n > best.n)) best = { name, n };
  }
  return best?.name ?? null;
}
