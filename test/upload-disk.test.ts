/**
 * A full disk (issue 16): uploads into an 8 MiB tmpfs mounted by the test answer 507 Insufficient Storage,
 * before a byte is read when the announced size does not fit, and during the upload when the disk fills up,
 * and the staging file is removed. Mounting needs root: elsewhere these tests are skipped, saying why.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.js';
import { call, metadata, randomBytesOf, TUS } from './support/upload.js';

/** Whether this process may mount a tmpfs (root, and a kernel and container that let it). */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = path.join(os.tmpdir(), `aqua-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', probe]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('rm', ['-rf', probe]);
  }
}

const MOUNTABLE = canMount();
const STAGING = '.aqua-uploads';
const OCTETS = { 'Content-Type': 'application/offset+octet-stream' };

describe.skipIf(!MOUNTABLE)('a full disk → 507 (skipped unless root can mount a tmpfs)', () => {
  let dir: string;
  let root: string;
  let server: Running;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aqua-upload-disk-'));
    root = path.join(dir, 'mnt');
    await mkdir(root);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', root]);
    server = await start({ root, upload: true, uploadAnonymous: true });
  });

  afterAll(async () => {
    await server?.close();
    if (root) execFileSync('umount', [root]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('PUT announcing more than is free: 507 before a byte is read', async () => {
    const res = await call(server.port, 'PUT', '/big.bin', { 'Content-Length': String(16 * 2 ** 20) });
    expect(res.status).toBe(507);
    expect(await readdir(path.join(root, STAGING))).toEqual([]);
  });

  it('tus creation of more than is free: 507', async () => {
    const headers = { ...TUS, 'Upload-Length': String(16 * 2 ** 20), 'Upload-Metadata': metadata({ filename: 'x' }) };
    expect((await call(server.port, 'POST', '/', headers)).status).toBe(507);
    expect(await readdir(path.join(root, STAGING))).toEqual([]);
  });

  it('a chunked PUT that fills the disk: 507, the staging file removed, nothing in place', async () => {
    const res = await call(
      server.port,
      'PUT',
      '/fills.bin',
      { 'Transfer-Encoding': 'chunked' },
      randomBytesOf(10 * 2 ** 20),
    );
    expect(res.status).toBe(507);
    expect(await readdir(path.join(root, STAGING))).toEqual([]);
    expect(await readdir(root)).toEqual([STAGING]);
  });

  it('a tus PATCH that fills the disk: 507, and the upload is removed', async () => {
    const create = async (name: string): Promise<string> => {
      const headers = { ...TUS, 'Upload-Length': String(5 * 2 ** 20), 'Upload-Metadata': metadata({ filename: name }) };
      const res = await call(server.port, 'POST', '/', headers);
      expect(res.status).toBe(201);
      return new URL(String(res.headers.location), 'http://x').pathname;
    };
    // Each fits alone, so both are created; the second cannot fit after the first.
    const a = await create('a.bin');
    const b = await create('b.bin');
    const patch = (upload: string) =>
      call(server.port, 'PATCH', upload, { ...TUS, ...OCTETS, 'Upload-Offset': '0' }, randomBytesOf(5 * 2 ** 20));
    expect((await patch(a)).status).toBe(204);
    expect((await patch(b)).status).toBe(507);
    expect((await call(server.port, 'HEAD', b, TUS)).status).toBe(404);
    expect(await readdir(path.join(root, STAGING))).toEqual(
      (await readdir(path.join(root, STAGING))).filter((f) => f.startsWith(a.split('/').pop() as string)),
    );
    expect((await readdir(root)).sort()).toEqual([STAGING, 'a.bin']);
  });
});
