import { baseNameOf, extensionOf, kindOf } from '../ui/kind.js';

/**
 * The library view of a folder (issue 14), worked out from its names alone (nothing is read or stat'ed):
 * which files are sidecars of a video (subtitles, `.nfo`, artwork, the Kodi / Jellyfin / minidlna
 * names), which picture is each video's, audio file's or season folder's poster, and where each episode
 * sits in its series (`S01E02`, `1x02`, `Season 1/`, `Staffel 2/`, specials). The page carries these as
 * row attributes; listing.js folds the sidecars and draws the grid from them.
 */
export interface EntryHint {
  /** The video this file comes with (a sidecar): folded under it in the library view. */
  readonly of?: string;
  /** The entry `of` names is a folder (a season's poster beside its folder). */
  readonly ofFolder?: true;
  /** A subtitle's language tag (`en`, `pt-BR`), `''` for a subtitle without one. */
  readonly lang?: string;
  /** The picture shown for this entry: a name of the folder, or `Sub folder/poster.jpg`. */
  readonly poster?: string;
  /** Season (0: specials) and episode of a video, or the season a folder holds. */
  readonly season?: number;
  readonly episode?: number;
}

export interface LibraryInput {
  /** The folder's entries (files and folders), in any order. */
  readonly names: readonly { readonly name: string; readonly kind: 'file' | 'directory' | 'symlink' }[];
  /** The folder's own name (`Season 2`): a season folder numbers the episodes in it that name none. */
  readonly folderName: string;
  /** For some sub-folders, the name of the poster found inside them (`poster.jpg`). */
  readonly subPosters?: ReadonlyMap<string, string>;
}

/** Folders bigger than this are shown as a plain list: the hints would cost more than they give. */
export const LIBRARY_MAX_ENTRIES = 5_000;

const SUBTITLE = new Set(['vtt', 'srt', 'ass', 'ssa', 'sub', 'idx']);
const ART = new Set(['jpg', 'jpeg', 'png', 'webp', 'tbn']);
/** `film-poster.jpg`, `film-fanart.jpg` …: Kodi's artwork beside a film, best poster first. */
const ART_SUFFIXES = ['poster', '', 'thumb', 'cover', 'folder', 'landscape', 'fanart', 'banner', 'clearart', 'logo'];
/** Names that belong to the only video of a folder (a Jellyfin / Kodi film folder), best poster first. */
const FOLDER_ART = ['poster', 'folder', 'cover', 'movie', 'thumb', 'landscape', 'fanart', 'backdrop', 'banner', 'logo'];
/** An album's cover, best first. */
const COVERS = ['cover', 'folder', 'front', 'album', 'poster'];
/** What a folder is called when it holds a season: `Season 1`, `Staffel 2`, `Saison 3`, `S04`. */
const SEASON_FOLDER =
  /^(?:season|staffel|saison|temporada|stagione|series|seizoen|sæson|säsong|sezon|kausi)[ ._-]*(\d{1,3})$|^s(\d{1,3})$/i;
const SPECIALS_FOLDER = /^(?:specials?|extras?|bonus|featurettes?)$/i;
const LANG = /^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$/i;
const languageNames = new Intl.DisplayNames('en', { type: 'language', fallback: 'none' });

/** The season a folder of that name holds (0 for specials), or `undefined`. */
export function seasonOfFolder(name: string): number | undefined {
  if (SPECIALS_FOLDER.test(name)) return 0;
  const m = SEASON_FOLDER.exec(name.trim());
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/**
 * Season and episode from a video's name: `S01E02`, `s1.e2`, `1x02`, or an episode alone (`E05`,
 * `Episode 5`, `Folge 5`, `Ep. 5`) in the season of `folderSeason`. `undefined` when the name has none.
 */
export function episodeOf(name: string, folderSeason?: number): { season?: number; episode: number } | undefined {
  const stem = baseNameOf(name);
  const se = /(?:^|[^a-z0-9])s(\d{1,3})[ ._-]?e(\d{1,4})/i.exec(stem) ?? /(?<!\d)(\d{1,2})x(\d{2,3})(?!\d)/i.exec(stem);
  if (se) return { season: Number(se[1]), episode: Number(se[2]) };
  const ep = /(?:^|[^a-z0-9])(?:e|ep|episode|folge|episodio|épisode|afl|aflevering)[ ._-]*(\d{1,4})(?!\d)/i.exec(stem);
  if (ep) return { ...(folderSeason === undefined ? {} : { season: folderSeason }), episode: Number(ep[1]) };
  return undefined;
}

/** A subtitle's language from the tags after its video's stem (`en` of `film.en.forced.srt`), or `''`. */
function languageOf(tags: readonly string[]): string {
  const first = tags[0];
  if (first === undefined || !LANG.test(first)) return '';
  try {
    return languageNames.of(first) === undefined ? '' : first;
  } catch {
    return '';
  }
}

/** The video a file comes with, and how good a poster it would be (lower is better), or `undefined`. */
function ownerOf(name: string, stems: ReadonlyMap<string, string>): { video: string; rank: number } | undefined {
  const ext = extensionOf(name);
  const art = ART.has(ext);
  if (!art && !SUBTITLE.has(ext) && ext !== 'nfo') return undefined;
  // `film.en.forced.vtt` → film.en.forced, film.en, film: the longest stem that is a video's.
  let stem = baseNameOf(name);
  for (let i = 0; i < 8; i++) {
    const video = stems.get(stem);
    if (video !== undefined) return { video, rank: art ? 1 : 0 };
    if (art) {
      const dash = stem.lastIndexOf('-');
      const suffix = dash > 0 ? stem.slice(dash + 1).toLowerCase() : '';
      const rank = ART_SUFFIXES.indexOf(suffix);
      const owner = rank >= 0 && suffix !== '' ? stems.get(stem.slice(0, dash)) : undefined;
      if (owner !== undefined) return { video: owner, rank };
    }
    const dot = stem.lastIndexOf('.');
    if (dot <= 0) return undefined;
    stem = stem.slice(0, dot);
  }
  return undefined;
}

/** Where a file without a video of its own goes when the folder holds one video: that video (a film folder). */
function folderSidecar(name: string): number | undefined {
  const ext = extensionOf(name);
  const stem = baseNameOf(name).toLowerCase();
  if (ext === 'nfo') return 100;
  if (!ART.has(ext)) return undefined;
  const rank = FOLDER_ART.indexOf(stem);
  return rank < 0 ? undefined : 10 + rank;
}

/**
 * The hints of every entry of a folder that holds media, keyed by name; `null` for a folder that holds
 * none (or too many entries), which keeps its plain list.
 */
export function libraryHints(input: LibraryInput): Map<string, EntryHint> | null {
  const { names } = input;
  if (names.length > LIBRARY_MAX_ENTRIES) return null;
  const files = names.filter((n) => n.kind !== 'directory').map((n) => n.name);
  const folders = names.filter((n) => n.kind === 'directory').map((n) => n.name);
  const videos = files.filter((n) => kindOf(n, 'file') === 'video');
  const media = files.some((n) => ['video', 'audio', 'image'].includes(kindOf(n, 'file')));
  // A folder of shows or films in folders of their own is a library too when they have posters.
  const shelves = folders.some((f) => seasonOfFolder(f) !== undefined || input.subPosters?.has(f));
  if (!media && !shelves) return null;
  const hints = new Map<string, EntryHint>();
  const stems = new Map<string, string>();
  for (const video of videos) if (!stems.has(baseNameOf(video))) stems.set(baseNameOf(video), video);
  const posters = new Map<string, { name: string; rank: number }>();
  const offer = (video: string, name: string, rank: number): void => {
    const best = posters.get(video);
    if (best === undefined || rank < best.rank) posters.set(video, { name, rank });
  };
  const onlyVideo = videos.length === 1 ? videos[0] : undefined;
  for (const name of files) {
    if (stems.get(baseNameOf(name)) === name) continue; // a video is nobody's sidecar
    const owner = ownerOf(name, stems);
    const video = owner?.video ?? onlyVideo;
    const rank = owner ? owner.rank : folderSidecar(name);
    if (video === undefined || rank === undefined) continue;
    const ext = extensionOf(name);
    const stemOfVideo = baseNameOf(video);
    const tags = baseNameOf(name)
      .slice(stemOfVideo.length + 1)
      .split('.');
    hints.set(name, { of: video, ...(SUBTITLE.has(ext) ? { lang: owner ? languageOf(tags) : '' } : {}) });
    if (ART.has(ext) && ext !== 'tbn') offer(video, name, rank);
  }
  const folderSeason = seasonOfFolder(input.folderName);
  for (const video of videos) {
    const ep = episodeOf(video, folderSeason);
    const poster = posters.get(video)?.name;
    hints.set(video, { ...(poster ? { poster } : {}), ...(ep ?? {}) });
  }
  const cover = coverOf(files);
  for (const name of files)
    if (kindOf(name, 'file') === 'audio') hints.set(name, cover === undefined ? {} : { poster: cover });
  for (const folder of folders) {
    const hint = folderHint(folder, files, input.subPosters);
    hints.set(folder, hint);
    if (hint.poster !== undefined && !hint.poster.includes('/')) hints.set(hint.poster, { of: folder, ofFolder: true });
  }
  return hints;
}

/** An album's cover among the folder's files (`cover.jpg`, `folder.png`, `front.webp` …). */
export function coverOf(files: readonly string[]): string | undefined {
  let best: { name: string; rank: number } | undefined;
  for (const name of files) {
    const ext = extensionOf(name);
    if (!ART.has(ext) || ext === 'tbn') continue;
    const rank = COVERS.indexOf(baseNameOf(name).toLowerCase());
    if (rank >= 0 && (best === undefined || rank < best.rank)) best = { name, rank };
  }
  return best?.name;
}

/** A sub-folder's season and poster: Kodi's `season01-poster.jpg` beside it, else a poster found inside. */
function folderHint(folder: string, files: readonly string[], inside?: ReadonlyMap<string, string>): EntryHint {
  const season = seasonOfFolder(folder);
  const tag =
    season === undefined ? null : season === 0 ? 'season-specials' : `season${String(season).padStart(2, '0')}`;
  const beside =
    tag === null
      ? undefined
      : files.find((f) => ART.has(extensionOf(f)) && baseNameOf(f).toLowerCase() === `${tag}-poster`);
  const within = inside?.get(folder);
  const poster = beside ?? (within === undefined ? undefined : `${folder}/${within}`);
  return { ...(season === undefined ? {} : { season }), ...(poster === undefined ? {} : { poster }) };
}

/** The picture inside a folder (from its names) that stands for it: `poster.jpg`, `folder.jpg`, `cover.jpg`. */
export function posterInside(files: readonly string[]): string | undefined {
  return coverOf(files.filter((f) => !/^(?:front|album)\./i.test(f)));
}
