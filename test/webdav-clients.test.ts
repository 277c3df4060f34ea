/**
 * WebDAV against real clients (issue 16, "WebDAV"): the litmus suite (Debian `litmus`) — basic, copymove, props,
 * locks, http — with every result counted, and rclone's webdav backend copying a tree both ways byte-exact
 * (nested folders, a name with spaces and accents, an empty file, a 3 MiB file), behind --auth; and the spawned CLI
 * with --webdav, read-only and read-write.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, start, tempDir, type Running } from './helpers.js';
import { AUTH, call, randomBytesOf, sha256File, USER } from './support/upload.js';

const run = promisify(execFile);

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir('aqua-dav-clients-');
  dir = t.dir;
  cleanup = t.cleanup;
});

afterAll(async () => {
  await cleanup?.();
});

/** Each suite litmus runs and how many tests it has (litmus 0.13); a suite that ran fewer is a failure too. */
const SUITES: Readonly<Record<string, number>> = { basic: 16, copymove: 13, props: 30, locks: 41, http: 4 };

interface Summary {
  readonly run: number;
  readonly passed: number;
  readonly failed: number;
}

/** The `<- summary for `suite': of N tests run: P passed, F failed.` lines of litmus's output. */
function summaries(output: string): Record<string, Summary> {
  const found: Record<string, Summary> = {};
  for (const m of output.matchAll(/<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)) {
    found[m[1] as string] = { run: Number(m[2]), passed: Number(m[3]), failed: Number(m[4]) };
  }
  return found;
}

async function litmus(url: string, credentials: string[] = []): Promise<string> {
  const { stdout } = await run('litmus', ['-k', url, ...credentials], {
    env: { ...process.env, TESTS: Object.keys(SUITES).join(' ') },
    timeout: 120_000,
    maxBuffer: 16 * 2 ** 20,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return stdout;
}

const EVERY_TEST_PASSED = Object.fromEntries(
  Object.entries(SUITES).map(([suite, n]) => [suite, { run: n, passed: n, failed: 0 }]),
);

describe('litmus', () => {
  let server: Running;
  let authed: Running;
  beforeAll(async () => {
    await mkdir(path.join(dir, 'litmus-root'));
    await mkdir(path.join(dir, 'litmus-auth'));
    const writes = { webdav: true, upload: true, uploadOverwrite: true } as const;
    server = await start({ root: path.join(dir, 'litmus-root'), uploadAnonymous: true, ...writes });
    authed = await start({ root: path.join(dir, 'litmus-auth'), auth: USER, ...writes });
  });
  afterAll(async () => {
    await server?.close();
    await authed?.close();
  });

  it('passes every test of basic, copymove, props, locks and http, without a warning', async () => {
    const stdout = await litmus(`${server.url}/`);
    expect(summaries(stdout), stdout).toEqual(EVERY_TEST_PASSED);
    expect(stdout.match(/WARNING:.*/g) ?? []).toEqual([]);
    // litmus cleans up after itself: no staging file is left.
    expect(await readdir(path.join(dir, 'litmus-root', '.aqua-uploads'))).toEqual([]);
  }, 180_000);

  it('passes them all behind --auth too, with its credentials (and fails them without)', async () => {
    const stdout = await litmus(`${authed.url}/`, USER.split(':'));
    expect(summaries(stdout), stdout).toEqual(EVERY_TEST_PASSED);
    const refused = summaries(await litmus(`${authed.url}/`));
    expect(refused.basic?.passed ?? 0).toBeLessThan(SUITES.basic as number);
  }, 180_000);
});

describe('rclone (webdav backend)', () => {
  let server: Running;
  let root: string;
  beforeAll(async () => {
    root = path.join(dir, 'rclone-root');
    await mkdir(path.join(root, 'in'), { recursive: true });
    server = await start({ root, auth: USER, webdav: true, upload: 'in', uploadOverwrite: true });
  });
  afterAll(() => server?.close());

  async function rclone(...args: string[]): Promise<void> {
    const [user, pass] = USER.split(':') as [string, string];
    const { stdout: obscured } = await run('rclone', ['obscure', pass]);
    const env = {
      ...process.env,
      RCLONE_CONFIG: path.join(dir, 'rclone.conf'),
      RCLONE_CONFIG_AQUA_TYPE: 'webdav',
      RCLONE_CONFIG_AQUA_URL: `${server.url}/`,
      RCLONE_CONFIG_AQUA_VENDOR: 'other',
      RCLONE_CONFIG_AQUA_USER: user,
      RCLONE_CONFIG_AQUA_PASS: obscured.trim(),
    };
    await run('rclone', [...args, '--retries', '1', '--low-level-retries', '1'], { env, timeout: 60_000 });
  }

  /** Every file below `top` with its SHA-256, by relative path (folders too, with `/`). */
  async function tree(top: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const entry of await readdir(top, { recursive: true, withFileTypes: true })) {
      const rel = path.relative(top, path.join(entry.parentPath, entry.name));
      out[entry.isDirectory() ? rel + '/' : rel] = entry.isDirectory() ? 'dir' : await sha256File(path.join(top, rel));
    }
    return out;
  }

  it('copies a tree up and back down byte-exact', async () => {
    const local = path.join(dir, 'local');
    await mkdir(path.join(local, 'nested', 'deeper', 'été à Paris'), { recursive: true });
    await writeFile(path.join(local, 'empty'), '');
    await writeFile(path.join(local, 'big.bin'), randomBytesOf(3 * 2 ** 20));
    await writeFile(path.join(local, 'nested', 'a file with spaces.txt'), 'spaces\n');
    await writeFile(path.join(local, 'nested', 'deeper', 'été à Paris', 'ünïcødé 日本.txt'), 'unicode\n');
    await mkdir(path.join(local, 'empty folder'));
    await rclone('copy', '--create-empty-src-dirs', local, 'aqua:in/up');
    const sent = await tree(local);
    expect(await tree(path.join(root, 'in', 'up'))).toEqual(sent);
    const back = path.join(dir, 'back');
    await rclone('copy', '--create-empty-src-dirs', 'aqua:in/up', back);
    expect(await tree(back)).toEqual(sent);
    expect(Object.keys(sent).length).toBe(8); // 4 files, 4 folders
  }, 120_000);
});

describe('the CLI', () => {
  it('--webdav alone is read-only, with --upload read-write, and the banner says which', async () => {
    const top = path.join(dir, 'cli-root');
    await mkdir(path.join(top, 'in'), { recursive: true });
    const ro = await spawnCli([top, '-p', '0', '--webdav']);
    try {
      expect(ro.stdout()).toContain('WebDAV:  ON, read-only');
      expect((await call(ro.port, 'OPTIONS', '/')).headers.dav).toBe('1');
      expect((await call(ro.port, 'MKCOL', '/in/x')).status).toBe(405);
    } finally {
      await ro.stop();
    }
    const rw = await spawnCli([top, '-p', '0', '--webdav', '--upload', 'in', '--auth', USER]);
    try {
      expect(rw.stdout()).toContain('WebDAV:  ON, read-write in /in/ (as uploads)');
      expect((await call(rw.port, 'MKCOL', '/in/x')).status).toBe(401);
      expect((await call(rw.port, 'MKCOL', '/in/x', AUTH)).status).toBe(201);
      expect((await call(rw.port, 'OPTIONS', '/', AUTH)).headers.dav).toBe('1, 2');
    } finally {
      await rw.stop();
    }
  }, 60_000);
});
