import { randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isInside } from '../fs/resolve.js';
import { UsageError } from './run.js';

/** What signs the share links of a run behind `--auth`: the key, and the file it is kept in (null: this run only). */
export interface ShareKey {
  readonly key: Buffer;
  readonly file: string | null;
}

/** Where the key is kept without `--share-key`: the user's config folder, never the served tree. */
export function defaultShareKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : null;
  return path.join(base ?? path.join(os.homedir(), '.config'), 'aqua-serve', 'share.key');
}

/**
 * The share-link key of a run: read from `file` (made on first use: 32 random bytes, hex, mode 0600, in a folder of
 * mode 0700), so links survive a restart. A key file inside the served folder is refused: anyone with read access
 * to the share could then forge links. Without `--share-key`, a default file that cannot be made (a read-only home)
 * gives a key for this run only; with it, that is a usage error.
 */
export async function loadShareKey(given: string | undefined, root: string, env = process.env): Promise<ShareKey> {
  const file = path.resolve(given ?? defaultShareKeyFile(env));
  const folder = await realpath(path.dirname(file)).catch(() => path.dirname(file));
  if (isInside(await realpath(root), path.join(folder, path.basename(file))))
    throw new UsageError(`--share-key must be outside the served folder: ${file}`);
  try {
    return { key: await readOrMake(file), file };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    if (given !== undefined) throw new UsageError(`cannot use --share-key ${given} (${code})`);
    return { key: randomBytes(32), file: null };
  }
}

async function readOrMake(file: string): Promise<Buffer> {
  const existing = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (existing !== null) return checked(existing);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = Buffer.from(randomBytes(32).toString('hex') + '\n');
  try {
    await writeFile(file, key, { flag: 'wx', mode: 0o600 });
    return checked(key);
  } catch (err) {
    // Another process (a --workers sibling) made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return checked(await readFile(file));
    throw err;
  }
}

function checked(bytes: Buffer): Buffer {
  const text = bytes.toString('utf8').trim();
  if (Buffer.byteLength(text) < 16) throw new Error('shorter than 16 bytes');
  return Buffer.from(text, 'utf8');
}
