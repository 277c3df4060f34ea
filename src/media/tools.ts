/**
 * ffmpeg and ffprobe, found once when the handler is made: on the PATH, or next to the ffmpeg named by
 * `--ffmpeg <path>`. Without both, every media feature is off and the server works as it does without them.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Absolute paths of the two programs. */
export interface MediaTools {
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` in the folders of `searchPath` (`$PATH`), or `null`. */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '' || !path.isAbsolute(dir)) continue; // a relative PATH entry would depend on the working folder
    const file = path.join(dir, name);
    if (executable(file)) return file;
  }
  return null;
}

/**
 * The tools to use: `given` is `--ffmpeg <path>` (ffprobe is then the `ffprobe` beside it, else the one on the
 * PATH), or `true` to look on the PATH. `null` when either is missing.
 */
export function findTools(given: string | true, searchPath = process.env.PATH ?? ''): MediaTools | null {
  if (given === true) {
    const ffmpeg = findOnPath('ffmpeg', searchPath);
    const ffprobe = findOnPath('ffprobe', searchPath);
    return ffmpeg && ffprobe ? { ffmpeg, ffprobe } : null;
  }
  const ffmpeg = path.resolve(given);
  if (!executable(ffmpeg)) return null;
  const beside = path.join(path.dirname(ffmpeg), path.basename(ffmpeg).replace(/ffmpeg/i, 'ffprobe'));
  const ffprobe = beside !== ffmpeg && executable(beside) ? beside : findOnPath('ffprobe', searchPath);
  return ffprobe ? { ffmpeg, ffprobe } : null;
}
