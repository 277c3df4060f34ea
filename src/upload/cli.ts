/**
 * The upload flags of `aqua-serve` (`--upload [subfolder]`, `--upload-overwrite`, `--upload-max-size`,
 * `--upload-expire`, `--upload-anonymous`; declared in cli/settings.ts): their parsers, their check into a frozen
 * {@link UploadConfig}, the serve options they give, and the banner line that says who may upload where.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { STAGING_NAME } from '../fs/names.js';

/** The upload flags as commander parses them. */
export interface UploadFlags {
  /** `--workers`: uploads need one process (the lock of an upload being written to is kept in memory). */
  workers?: number;
  /** `--dotfiles`: a dot-folder may then be the upload folder. */
  dotfiles?: boolean;
  upload?: boolean | string;
  uploadOverwrite?: boolean;
  uploadMaxSize?: number;
  uploadExpire?: number;
  uploadAnonymous?: boolean;
}

/** Uploads as the command line asked for them. */
export interface UploadConfig {
  /** The subfolder uploads go into (relative to the root, `/`-separated); `''` for the whole tree. */
  readonly folder: string;
  readonly overwrite: boolean;
  readonly maxSize: number | null;
  readonly expireSeconds: number | undefined;
  readonly anonymous: boolean;
}

/**
 * Check the upload flags: `null` without `--upload`. Throws a `RangeError` with the line the CLI prints for an
 * upload flag without `--upload`, `--upload` with neither `--auth` nor `--upload-anonymous`, with `--workers`,
 * or a subfolder that is not a folder of the root.
 */
export async function uploadConfig(
  flags: UploadFlags,
  root: string,
  auth: string | undefined,
): Promise<UploadConfig | null> {
  if (flags.upload === undefined || flags.upload === false) {
    const stray = (['uploadOverwrite', 'uploadMaxSize', 'uploadExpire', 'uploadAnonymous'] as const).find(
      (key) => flags[key] !== undefined && flags[key] !== false,
    );
    if (stray) throw new RangeError(`--${stray.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} needs --upload`);
    return null;
  }
  const anonymous = flags.uploadAnonymous === true;
  if (auth === undefined && !anonymous)
    throw new RangeError('--upload needs --auth (or --upload-anonymous, to let anyone who reaches the server upload)');
  if ((flags.workers ?? 1) > 1) throw new RangeError('--upload needs a single process: leave out --workers');
  const folder = flags.upload === true ? '' : flags.upload.replace(/^\/+|\/+$/g, '');
  const segments = folder.split('/');
  if (segments.some((s) => s === '..' || s === STAGING_NAME || (s.startsWith('.') && !flags.dotfiles)))
    throw new RangeError(`--upload: ${JSON.stringify(folder)} is not a folder the server shows (.., a dot-folder)`);
  if (folder !== '') {
    const st = await stat(path.join(root, folder)).catch(() => null);
    if (!st?.isDirectory()) throw new RangeError(`--upload: no folder ${JSON.stringify(folder)} in ${root}`);
  }
  return Object.freeze({
    folder,
    overwrite: flags.uploadOverwrite === true,
    maxSize: flags.uploadMaxSize ?? null,
    expireSeconds: flags.uploadExpire,
    anonymous,
  });
}

/** The upload fields of `ServeOptions` (declared here so that upload/ does not import handler/). */
export interface UploadServeOptions {
  upload?: boolean | string;
  uploadOverwrite?: boolean;
  uploadMaxSize?: number | null;
  uploadExpireSeconds?: number;
  uploadAnonymous?: boolean;
}

/** The serve options of an upload config. */
export function uploadServeOptions(config: UploadConfig | null): UploadServeOptions {
  if (!config) return {};
  return {
    upload: config.folder === '' ? true : config.folder,
    uploadOverwrite: config.overwrite,
    uploadMaxSize: config.maxSize,
    uploadExpireSeconds: config.expireSeconds,
    uploadAnonymous: config.anonymous,
  };
}

/** The banner's line about uploads: none when they are off. */
export function uploadBanner(config: UploadConfig | null): string[] {
  if (!config) return [];
  const where = config.folder === '' ? 'anywhere in the tree' : `into /${config.folder}/`;
  const who = config.anonymous ? 'from ANYONE (--upload-anonymous)' : 'from the --auth user only';
  const limits = [
    config.overwrite ? 'overwriting existing files' : 'never overwriting',
    config.maxSize === null ? null : `at most ${config.maxSize} bytes`,
  ].filter((s) => s !== null);
  return [`  Uploads: ON ${where}, ${who}; ${limits.join(', ')}`];
}
