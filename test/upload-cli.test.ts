/**
 * `aqua-serve --upload` as a spawned process (issue 16): the flags it refuses (one line on stderr, exit 2),
 * the banner saying uploads are on, where and for whom, and a SIGKILL in the middle of a tus upload that
 * leaves nothing visible and resumes after a restart, byte-exact.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, tempDir, type SpawnedCli } from './helpers.js';
import { call, metadata, rawHead, randomBytesOf, sha256, TUS } from './support/upload.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/aqua-serve.js');

let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir('aqua-upload-cli-');
  root = t.dir;
  cleanup = t.cleanup;
  await mkdir(path.join(root, 'in'));
});

afterAll(async () => {
  await cleanup?.();
});

describe('aqua-serve --upload: refused flags', () => {
  it.each([
    ['--upload without --auth', ['--upload'], /--upload needs --auth/],
    ['--upload-overwrite without --upload', ['--upload-overwrite'], /--upload-overwrite needs --upload/],
    ['--upload-anonymous without --upload', ['--upload-anonymous'], /--upload-anonymous needs --upload/],
    [
      '--upload with --workers',
      ['--upload', '--upload-anonymous', '--workers', '2'],
      /--upload needs a single process/,
    ],
    ['a subfolder above the root', ['--upload', '../x', '--upload-anonymous'], /--upload: "..\/x" is not a folder/],
    ['a dot-folder', ['--upload', '.hidden', '--upload-anonymous'], /--upload: ".hidden" is not a folder/],
    ['a missing subfolder', ['--upload', 'nope', '--auth', 'a:b'], /--upload: no folder "nope"/],
    ['a bad size', ['--upload', '--upload-anonymous', '--upload-max-size', '12Q'], /--upload-max-size must be a size/],
    ['a bad duration', ['--upload', '--upload-anonymous', '--upload-expire', 'soon'], /--upload-expire must be/],
  ])('%s: one line on stderr, exit 2', async (_what, args, message) => {
    const err = await run(process.execPath, [BIN, root, '-p', '0', ...args], {
      env: { ...process.env, AQUA_AUTH: '' },
    }).then(
      () => null,
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toMatch(message);
    expect(err?.stderr.trim().split('\n')).toHaveLength(1);
    expect(err?.stdout).toBe('');
  });
});

describe('aqua-serve --upload: the banner', () => {
  it.each([
    [['--upload', 'in', '--auth', 'a:b'], 'Uploads: ON into /in/, from the --auth user only; never overwriting'],
    [
      ['--upload', '--upload-anonymous', '--upload-overwrite', '--upload-max-size', '2k'],
      'Uploads: ON anywhere in the tree, from ANYONE (--upload-anonymous); overwriting existing files, at most 2048 bytes',
    ],
  ])('%j says: %s', async (args, line) => {
    const cli = await spawnCli([root, '-p', '0', ...args]);
    try {
      expect(cli.stdout()).toContain(line);
    } finally {
      await cli.stop();
    }
  });

  it('without --upload, says nothing of uploads and refuses PUT with 405', async () => {
    const cli = await spawnCli([root, '-p', '0']);
    try {
      expect(cli.stdout()).not.toMatch(/Uploads:/);
      expect((await call(cli.port, 'PUT', '/in/x.txt', {}, Buffer.from('x'))).status).toBe(405);
    } finally {
      await cli.stop();
    }
  });
});

/** Resolves with the first JSON log line on the CLI's stdout whose `msg` is `msg`. */
function logLine(cli: SpawnedCli, msg: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let buffered = '';
    const look = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as Record<string, unknown>;
        if (record.msg !== msg) continue;
        cli.child.stdout.off('data', look);
        resolve(record);
      }
    };
    cli.child.stdout.on('data', look);
  });
}

describe('aqua-serve --upload: SIGKILL mid-upload', () => {
  it('leaves nothing in the listing, and the upload resumes after a restart byte-exact', async () => {
    const args = [
      root,
      '-p',
      '0',
      '--upload',
      'in',
      '--upload-anonymous',
      '--log-level',
      'debug',
      '--log-format',
      'json',
    ];
    const body = randomBytesOf(40 * 2 ** 20);
    const first = await spawnCli(args);
    let upload: string;
    try {
      const created = await call(first.port, 'POST', '/in/', {
        ...TUS,
        'Upload-Length': String(body.length),
        'Upload-Metadata': metadata({ filename: 'killed.bin' }),
      });
      expect(created.status).toBe(201);
      upload = new URL(String(created.headers.location), 'http://x').pathname;
      // 24 MiB of the 40, the connection left open: the server saves its offset at 16 MiB, then is killed.
      const saved = logLine(first, 'upload offset saved');
      const socket = net.connect(first.port, '127.0.0.1');
      socket.on('error', () => undefined);
      const head = rawHead('PATCH', upload, {
        ...TUS,
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': 0,
        'Content-Length': body.length,
      });
      socket.write(head);
      socket.write(body.subarray(0, 24 * 2 ** 20));
      expect(Number((await saved).offset)).toBeGreaterThanOrEqual(16 * 2 ** 20);
      expect(await first.stop('SIGKILL')).toBeNull();
      socket.destroy();
    } finally {
      first.child.kill('SIGKILL');
    }
    const second = await spawnCli(args);
    try {
      const listing = await call(second.port, 'GET', '/in/?format=json');
      expect(listing.status).toBe(200);
      expect((JSON.parse(listing.body.toString()) as { entries: unknown[] }).entries).toEqual([]);
      expect(await readdir(path.join(root, 'in'))).toEqual([]);
      const head = await call(second.port, 'HEAD', upload, TUS);
      expect(head.status).toBe(200);
      const offset = Number(head.headers['upload-offset']);
      expect(offset).toBeGreaterThanOrEqual(16 * 2 ** 20);
      expect(offset).toBeLessThanOrEqual(24 * 2 ** 20);
      const rest = await call(
        second.port,
        'PATCH',
        upload,
        { ...TUS, 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(offset) },
        body.subarray(offset),
      );
      expect(rest.status).toBe(204);
      expect(sha256(await readFile(path.join(root, 'in', 'killed.bin')))).toBe(sha256(body));
    } finally {
      await second.stop();
    }
  });
});
