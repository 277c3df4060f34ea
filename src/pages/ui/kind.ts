/**
 * What a file is, judged by its extension only (never by reading it): picks the icon, the viewer and
 * whether a browser can be expected to play it.
 */
export type Kind = 'folder' | 'video' | 'audio' | 'image' | 'text' | 'archive' | 'other';

export const KINDS: readonly Kind[] = ['folder', 'video', 'audio', 'image', 'text', 'archive', 'other'];

/**
 * `yes`: browsers play it; `maybe`: depends on the codecs inside (try, and explain on error); `no`: offer the
 * download.
 */
export type Playability = 'yes' | 'maybe' | 'no';

const VIDEO: Readonly<Record<string, Playability>> = {
  mp4: 'yes',
  m4v: 'yes',
  webm: 'yes',
  ogv: 'yes',
  mov: 'maybe',
  mkv: 'maybe',
  avi: 'no',
  wmv: 'no',
  flv: 'no',
  mpg: 'no',
  mpeg: 'no',
  ts: 'no',
  m2ts: 'no',
  mts: 'no',
  '3gp': 'no',
  vob: 'no',
  rm: 'no',
  rmvb: 'no',
  asf: 'no',
  divx: 'no',
};

const AUDIO: Readonly<Record<string, Playability>> = {
  mp3: 'yes',
  m4a: 'yes',
  aac: 'yes',
  oga: 'yes',
  ogg: 'yes',
  opus: 'yes',
  wav: 'yes',
  flac: 'yes',
  weba: 'yes',
  wma: 'no',
  aiff: 'no',
  aif: 'no',
  ape: 'no',
  mka: 'maybe',
  mid: 'no',
  midi: 'no',
  amr: 'no',
};

const IMAGE = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'svg', 'bmp', 'ico', 'apng', 'jfif']);

const TEXT = new Set([
  'txt',
  'text',
  'md',
  'markdown',
  'rst',
  'adoc',
  'log',
  'csv',
  'tsv',
  'json',
  'jsonl',
  'ndjson',
  'yaml',
  'yml',
  'toml',
  'ini',
  'cfg',
  'conf',
  'env',
  'properties',
  'xml',
  'html',
  'htm',
  'css',
  'scss',
  'less',
  'js',
  'mjs',
  'cjs',
  'ts',
  'mts',
  'cts',
  'tsx',
  'jsx',
  'vue',
  'svelte',
  'py',
  'rb',
  'go',
  'rs',
  'c',
  'h',
  'cc',
  'cpp',
  'hpp',
  'cs',
  'java',
  'kt',
  'kts',
  'scala',
  'swift',
  'm',
  'php',
  'pl',
  'lua',
  'r',
  'jl',
  'sh',
  'bash',
  'zsh',
  'fish',
  'ps1',
  'bat',
  'cmd',
  'sql',
  'graphql',
  'proto',
  'srt',
  'vtt',
  'ass',
  'sub',
  'diff',
  'patch',
  'tex',
  'bib',
  'nfo',
  'gitignore',
  'dockerfile',
  'makefile',
  'mk',
  'cmake',
  'gradle',
  'lock',
  'sum',
  'mod',
]);

/** Extension-less names that are text all the same. */
const TEXT_NAMES = new Set([
  'readme',
  'license',
  'licence',
  'copying',
  'authors',
  'changelog',
  'makefile',
  'dockerfile',
  'notice',
  'todo',
]);

const ARCHIVE = new Set([
  'zip',
  'tar',
  'gz',
  'tgz',
  'bz2',
  'tbz2',
  'xz',
  'txz',
  'zst',
  '7z',
  'rar',
  'iso',
  'dmg',
  'deb',
  'rpm',
  'apk',
  'jar',
  'war',
  'cab',
  'lz',
  'lzma',
  'img',
]);

/** The lower-cased extension after the last dot, or `''` (a leading dot alone is not an extension). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** The name without its last extension: `film.en.vtt` → `film.en`, `.bashrc` → `.bashrc`. */
export function baseNameOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

export function kindOf(name: string, type: 'file' | 'directory'): Kind {
  if (type === 'directory') return 'folder';
  const ext = extensionOf(name);
  if (ext in VIDEO) return 'video';
  if (ext in AUDIO) return 'audio';
  if (IMAGE.has(ext)) return 'image';
  if (TEXT.has(ext) || (ext === '' && TEXT_NAMES.has(name.toLowerCase()))) return 'text';
  if (ARCHIVE.has(ext)) return 'archive';
  return 'other';
}

/** Whether a browser can be expected to play a video or audio file; `no` for everything else. */
export function playabilityOf(name: string): Playability {
  const ext = extensionOf(name);
  return VIDEO[ext] ?? AUDIO[ext] ?? 'no';
}

/** Kinds that open in a page of their own (`<file>?view`); the rest link to the raw file. */
export function hasViewer(kind: Kind): boolean {
  return kind === 'video' || kind === 'audio' || kind === 'image' || kind === 'text';
}

/**
 * Pages the browser renders itself: a listing links them as they are (a served site stays clickable); `?view` still
 * shows their source.
 */
const RENDERED = new Set(['html', 'htm', 'xhtml']);

/** Whether a listing links `name` to its viewer (`?view`) rather than to the file itself. */
export function linksToViewer(name: string, kind: Kind): boolean {
  return hasViewer(kind) && !RENDERED.has(extensionOf(name));
}
