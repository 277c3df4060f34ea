/**
 * The upload options of {@link ServeOptions} (`--upload [subfolder]`, `--upload-overwrite`, `--upload-max-size`,
 * `--upload-expire`, `--upload-anonymous`), checked once and resolved into {@link UploadSettings}; and the
 * CLI's size and duration parsers (`10G`, `36h`).
 */
import { parseUrlPath } from '../fs/resolve.js';

/** What a caller may give (the fields of `ServeOptions` this file reads). */
export interface UploadOptionsInput {
  readonly upload?: boolean | string;
  readonly uploadOverwrite?: boolean;
  readonly uploadMaxSize?: number | null;
  readonly uploadExpireSeconds?: number;
  readonly uploadAnonymous?: boolean;
  readonly private?: boolean;
  readonly dotfiles?: boolean;
}

/** Uploads as resolved: on, where, and under which limits. */
export interface UploadSettings {
  /** URL segments of the folder that uploads go into (and below); `[]` for the whole tree. */
  readonly folder: readonly string[];
  /** Replace an existing file of the same name instead of adding `name (1).ext`. */
  readonly overwrite: boolean;
  /** Largest upload in bytes; `null`: only free space limits it. */
  readonly maxSize: number | null;
  /** Seconds an unfinished upload is kept after its last byte arrived. */
  readonly expireSeconds: number;
  /** Uploads are open to anyone (no authentication in front). */
  readonly anonymous: boolean;
}

/** Default {@link UploadSettings.expireSeconds}: a day. */
export const DEFAULT_UPLOAD_EXPIRE_SECONDS = 86_400;

/**
 * Resolve the upload options; `null` when uploads are off. Throws `TypeError` naming the option for a wrong
 * type, `RangeError` for a value out of range or a subfolder that cannot name a folder inside the root, and
 * `RangeError` when uploads would be open to anyone without `uploadAnonymous` (no `private`: see its doc).
 */
export function resolveUploadSettings(options: UploadOptionsInput): UploadSettings | null {
  const { upload } = options;
  if (upload !== undefined && typeof upload !== 'boolean' && typeof upload !== 'string')
    throw new TypeError(`upload must be true, false or a folder path, not ${describe(upload)}`);
  const maxSize = options.uploadMaxSize ?? null;
  if (maxSize !== null) {
    if (typeof maxSize !== 'number') throw new TypeError(`uploadMaxSize must be a number, not ${describe(maxSize)}`);
    if (!Number.isSafeInteger(maxSize) || maxSize < 1) throw new RangeError('uploadMaxSize must be a positive integer');
  }
  const expire = options.uploadExpireSeconds ?? DEFAULT_UPLOAD_EXPIRE_SECONDS;
  if (typeof expire !== 'number') throw new TypeError(`uploadExpireSeconds must be a number, not ${describe(expire)}`);
  if (!Number.isFinite(expire) || expire <= 0) throw new RangeError('uploadExpireSeconds must be a positive number');
  if (upload === undefined || upload === false) return null;
  const anonymous = options.uploadAnonymous ?? false;
  if (!anonymous && !options.private)
    throw new RangeError(
      'upload needs authentication: give auth (or private, when your own middleware authenticates) or uploadAnonymous',
    );
  return Object.freeze({
    folder: upload === true ? [] : folderSegments(upload, options.dotfiles ?? false),
    overwrite: options.uploadOverwrite ?? false,
    maxSize,
    expireSeconds: expire,
    anonymous,
  });
}

function folderSegments(folder: string, dotfiles: boolean): readonly string[] {
  try {
    return Object.freeze([...parseUrlPath('/' + folder.replace(/^\/+/, ''), { dotfiles }).segments]);
  } catch {
    throw new RangeError(`upload: ${JSON.stringify(folder)} cannot name a folder inside the root`);
  }
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? typeof value;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * A size in bytes from a flag's text: a whole number, optionally followed by `k`, `M`, `G` or `T` (binary:
 * `1G` is 1 GiB; case and a trailing `B`/`iB` do not matter). Throws a `RangeError` whose message is the
 * line the CLI prints.
 */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  const unit = m ? SIZE_UNITS[(m[2] as string).toLowerCase()] : undefined;
  const value = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${flag} must be a size in bytes such as 500M or 10G, not '${text}'`);
  return value;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration in seconds from a flag's text: `90`, `90s`, `30m`, `36h`, `7d`. Throws like {@link parseSize}. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/i.exec(text.trim());
  const unit = m ? DURATION_UNITS[(m[2] as string).toLowerCase()] : undefined;
  const value = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${flag} must be a duration such as 3600, 90m, 36h or 7d, not '${text}'`);
  return value;
}
