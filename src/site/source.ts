/**
 * Where a handler's site settings come from: the options given in code (or by CLI flags) over the
 * config file, if any. The file is read once at start — a bad one throws there, with every problem
 * named — and watched: an edit is validated and swapped in without a restart; a bad edit keeps the
 * last good config and logs why.
 */
import { readFileSync, realpathSync, watch, type FSWatcher } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import { ConfigError, parseSiteConfig, validateSiteConfig, type SiteConfig } from './config.js';
import { compileRules, type SiteRules } from './rules.js';

/** The serve options a config file may set (the same names as in {@link SiteConfig}). */
export type FileServeOptions = Pick<SiteConfig, 'dotfiles' | 'index' | 'listing' | 'followSymlinks' | 'cors' | 'cache'>;

/** One consistent generation of settings: a request reads it once and keeps it to the end. */
export interface SiteSettings {
  readonly rules: SiteRules;
  /** What the file says of the serve options (code and flags override these). */
  readonly fileOptions: FileServeOptions;
  /** Real path of the config file being used, so it is never served; `null` without one. */
  readonly configFile: string | null;
}

export interface SiteSource {
  current(): SiteSettings;
  /** Stop watching the file. */
  close(): void;
}

/** Time to let an editor finish writing (several events per save) before the file is read again. */
const SETTLE_MS = 50;

/**
 * Merge the file's config under the code's: scalars given in code win; header rules of the code come
 * after the file's (so they override them); redirects and rewrites of the code come first (first match wins).
 */
export function mergeSiteConfig(file: SiteConfig, code: SiteConfig): SiteConfig {
  const merged: Record<string, unknown> = { ...file };
  for (const [key, value] of Object.entries(code)) if (value !== undefined) merged[key] = value;
  merged.headers = [...(file.headers ?? []), ...(code.headers ?? [])];
  merged.redirects = [...(code.redirects ?? []), ...(file.redirects ?? [])];
  merged.rewrites = [...(code.rewrites ?? []), ...(file.rewrites ?? [])];
  return merged as SiteConfig;
}

function settingsOf(file: SiteConfig, code: SiteConfig, configFile: string | null): SiteSettings {
  const { dotfiles, index, listing, followSymlinks, cors, cache } = file;
  return Object.freeze({
    rules: compileRules(mergeSiteConfig(file, code)),
    fileOptions: Object.freeze({ dotfiles, index, listing, followSymlinks, cors, cache }),
    configFile,
  });
}

/**
 * Settings from `code` (validated like the file: a bad value throws {@link ConfigError}) and from the
 * file at `file` (`null`: none). `required`: a missing file is an error; otherwise it is simply not
 * there yet, and is picked up when it appears.
 */
export function openSiteSource(options: {
  code: unknown;
  file: string | null;
  required: boolean;
  logger: Logger | null;
}): SiteSource {
  const code = validateSiteConfig(options.code, 'options');
  if (options.file === null) {
    const fixed = settingsOf({}, code, null);
    return { current: () => fixed, close: () => undefined };
  }
  const file = path.resolve(options.file);
  let settings = settingsOf(readAtStart(file, options.required), code, realOr(file));
  const { logger } = options;
  let timer: NodeJS.Timeout | null = null;
  let generation = 0;

  const reload = async (): Promise<void> => {
    const mine = ++generation;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (mine === generation) logger?.warn({ file, code }, 'config file unreadable: keeping the last good config');
      return;
    }
    try {
      const real = await realpath(file).catch(() => file);
      const next = settingsOf(parseSiteConfig(text, file), code, real);
      if (mine !== generation) return; // a later edit is being read
      settings = next;
      logger?.info({ file }, 'config reloaded');
    } catch (err) {
      const why = err instanceof ConfigError ? err.problems : [(err as Error).message];
      logger?.warn({ file, problems: why }, 'config not reloaded: keeping the last good config');
    }
  };

  let watcher: FSWatcher | null = null;
  try {
    // The folder, not the file: editors save by writing a new file and renaming it over the old one.
    watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
      if (name !== null && name !== path.basename(file)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void reload(), SETTLE_MS);
    });
    watcher.on('error', (err) => logger?.warn({ file, err: err.message }, 'config file no longer watched'));
  } catch (err) {
    logger?.warn({ file, err: (err as Error).message }, 'config file cannot be watched: changes need a restart');
  }
  return {
    current: () => settings,
    close: () => {
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}

function realOr(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** Read the config once, synchronously (this runs when the handler is created, before any request). */
function readAtStart(file: string, required: boolean): SiteConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return {};
    throw new ConfigError(file, [code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})`]);
  }
  return parseSiteConfig(text, file);
}
