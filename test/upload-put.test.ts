/**
 * Plain PUT uploads (issue 16, "Uploads"), over real sockets: curl -T byte-exact, `name (1).ext` or
 * overwrite, refused names (traversal, dotfiles, symlink escape, the staging folder), 409/413/401/403,
 * and a client that drops mid-PUT leaves nothing in the listing or the staging folder.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.js';
import {
  AUTH,
  call,
  eventLog,
  memoryTempDir,
  rawHead,
  randomBytesOf,
  sendCut,
  sha256File,
  USER,
  writeRandomFile,
} from './support/upload.js';

const run = promisify(execFile);
const STAGING = '.aqua-uploads';

let root: string;
let outside: string;
let cleanup: () => Promise<void>;
let server: Running;
const log = eventLog();

beforeAll(async () => {
  const t = await memoryTempDir('aqua-upload-put-');
  cleanup = t.cleanup;
  root = path.join(t.dir, 'root');
  outside = path.join(t.dir, 'outside');
  await mkdir(path.join(root, 'in', 'deep'), { recursive: true });
  await mkdir(path.join(root, 'readonly-area'), { recursive: true });
  await mkdir(outside);
  await symlink(outside, path.join(root, 'in', 'escape'));
  await writeFile(path.join(root, 'in', 'taken.txt'), 'old');
  server = await start({ root, auth: USER, upload: 'in', uploadMaxSize: 300 * 2 ** 20, logger: log.logger });
});

afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

/** Names in a folder of the root, as the server lists them (JSON listing). */
async function listed(folder: string): Promise<string[]> {
  const res = await call(server.port, 'GET', `/${folder}?format=json`, AUTH);
  expect(res.status).toBe(200);
  const body = JSON.parse(res.body.toString()) as { entries?: { name: string }[] } | { name: string }[];
  const entries = Array.isArray(body) ? body : (body.entries ?? []);
  return entries.map((e) => e.name).sort();
}

describe('PUT', () => {
  it('curl -T of a 200 MiB file arrives byte-exact, in place only when complete', async () => {
    const src = path.join(path.dirname(root), 'big.bin');
    const digest = await writeRandomFile(src, 200 * 2 ** 20);
    const { stdout } = await run('curl', ['-sS', '-f', '-u', USER, '-T', src, `${server.url}/in/deep/`]);
    expect(stdout.trim()).toBe('/in/deep/big.bin');
    expect(await sha256File(path.join(root, 'in', 'deep', 'big.bin'))).toBe(digest);
    expect(await readdir(path.join(root, STAGING))).toEqual([]);
  });

  it('curl -T of a 1 GiB file arrives byte-exact', async () => {
    const src = path.join(path.dirname(root), 'huge.bin');
    const digest = await writeRandomFile(src, 2 ** 30);
    const big = await start({ root, auth: USER, upload: 'in' }); // no --upload-max-size
    try {
      await run('curl', ['-sS', '-f', '-u', USER, '-T', src, `${big.url}/in/huge.bin`]);
      expect(await sha256File(path.join(root, 'in', 'huge.bin'))).toBe(digest);
      expect(await readdir(path.join(root, STAGING))).toEqual([]);
    } finally {
      await big.close();
      await rm(src, { force: true });
      await rm(path.join(root, 'in', 'huge.bin'), { force: true });
    }
  }, 300_000);

  it('never overwrites: the second upload of a name is "name (1).ext", the third "name (2).ext"', async () => {
    for (const [i, expected] of ['/in/taken%20%281%29.txt', '/in/taken%20%282%29.txt'].entries()) {
      const res = await call(server.port, 'PUT', '/in/taken.txt', AUTH, Buffer.from(`new ${i}`));
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(expected);
    }
    expect(await readFile(path.join(root, 'in', 'taken.txt'), 'utf8')).toBe('old');
    expect(await readFile(path.join(root, 'in', 'taken (2).txt'), 'utf8')).toBe('new 1');
  });

  it('keeps NFC and NFD names apart, as sent', async () => {
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    for (const name of [nfc, nfd]) {
      const res = await call(server.port, 'PUT', '/in/' + encodeURIComponent(name), AUTH, Buffer.from(name));
      expect(res.status).toBe(201);
    }
    const names = await readdir(path.join(root, 'in'));
    expect(names).toContain(nfc);
    expect(names).toContain(nfd);
  });

  it.each([
    ['a parent segment', '/in/..%2fx.txt', 404],
    ['an encoded parent segment', '/in/%2e%2e/x.txt', 404],
    ['a plain parent segment', '/in/../x.txt', 404],
    ['a dotfile', '/in/.env', 404],
    ['a file in a dot-folder', '/in/.git/config', 404],
    ['the staging folder', `/${STAGING}/x.part`, 404],
    ['a symlink out of the root', '/in/escape/x.txt', 403],
    ['outside the upload folder', '/readonly-area/x.txt', 403],
    ['the root outside the upload folder', '/x.txt', 403],
    ['a missing folder', '/in/nope/x.txt', 409],
    ['a folder URL', '/in/deep/', 409],
    ['a NUL byte', '/in/a%00b', 400],
  ])('refuses %s: %s → %i, and writes nothing', async (_what, rawPath, status) => {
    const res = await call(server.port, 'PUT', rawPath, AUTH, Buffer.from('payload'));
    expect(res.status).toBe(status);
    expect(res.body.toString()).not.toMatch(/payload|\/tmp\/|Error:/);
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(path.join(root, 'readonly-area'))).toEqual([]);
    expect(await readdir(path.join(root, STAGING))).toEqual([]);
  });

  it('413 for a Content-Length over --upload-max-size, before a byte is read', async () => {
    const res = await call(server.port, 'PUT', '/in/too-big.bin', { ...AUTH, 'Content-Length': String(301 * 2 ** 20) });
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
  });

  it('413 for a chunked body that grows over the limit, and the staging file is removed', async () => {
    const small = await start({ root, auth: USER, upload: 'in', uploadMaxSize: 1024 });
    try {
      const res = await call(
        small.port,
        'PUT',
        '/in/grows.bin',
        { ...AUTH, 'Transfer-Encoding': 'chunked' },
        randomBytesOf(4096),
      );
      expect(res.status).toBe(413);
      expect(await readdir(path.join(root, STAGING))).toEqual([]);
      expect(await readdir(path.join(root, 'in'))).not.toContain('grows.bin');
    } finally {
      await small.close();
    }
  });

  it('401 without credentials, and nothing is written', async () => {
    const res = await call(server.port, 'PUT', '/in/anon.txt', {}, Buffer.from('x'));
    expect(res.status).toBe(401);
    expect(await readdir(path.join(root, 'in'))).not.toContain('anon.txt');
  });

  it.each([
    ['Origin of another site', 403, { Origin: 'http://evil.example' }],
    ['Origin null', 403, { Origin: 'null' }],
    ['an Origin on another port', 403, { Origin: 'http://localhost:1', Host: 'localhost' }],
    ['Sec-Fetch-Site: cross-site', 403, { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', 403, { 'Sec-Fetch-Site': 'same-site' }],
    ['its own Origin', 201, { Origin: 'http://localhost', Host: 'localhost:80' }],
    ['Sec-Fetch-Site: same-origin', 201, { 'Sec-Fetch-Site': 'same-origin' }],
  ])('a write with %s → %i', async (_what, status, headers) => {
    const name = `csrf-${status}-${Math.random().toString(16).slice(2)}.txt`;
    const res = await call(server.port, 'PUT', `/in/${name}`, { ...AUTH, ...headers }, Buffer.from('x'));
    expect(res.status).toBe(status);
    expect((await readdir(path.join(root, 'in'))).includes(name)).toBe(status === 201);
  });

  it('a client that drops mid-PUT leaves nothing in the listing or the staging folder', async () => {
    const removed = log.next('upload not completed: staging file removed');
    const head = rawHead('PUT', '/in/dropped.bin', { ...AUTH, 'Content-Length': 8 * 2 ** 20 });
    await sendCut(server.port, head, randomBytesOf(2 * 2 ** 20));
    await removed;
    expect(await listed('in/')).not.toContain('dropped.bin');
    expect(await readdir(path.join(root, STAGING))).toEqual([]);
  });

  it('the staging folder is never listed, even with --dotfiles', async () => {
    const dotted = await start({ root, auth: USER, upload: true, dotfiles: true });
    try {
      const res = await call(dotted.port, 'GET', '/?format=json', AUTH);
      expect(res.status).toBe(200);
      expect(res.body.toString()).not.toContain(STAGING);
      expect((await call(dotted.port, 'GET', `/${STAGING}/`, AUTH)).status).toBe(404);
    } finally {
      await dotted.close();
    }
  });
});

describe('PUT with --upload-overwrite', () => {
  it('replaces the file (204), and refuses to replace a folder (409)', async () => {
    const over = await start({ root, auth: USER, upload: 'in', uploadOverwrite: true });
    try {
      await writeFile(path.join(root, 'in', 'replace.txt'), 'before');
      const res = await call(over.port, 'PUT', '/in/replace.txt', AUTH, Buffer.from('after'));
      expect(res.status).toBe(204);
      expect(await readFile(path.join(root, 'in', 'replace.txt'), 'utf8')).toBe('after');
      expect((await call(over.port, 'PUT', '/in/deep', AUTH, Buffer.from('x'))).status).toBe(409);
    } finally {
      await over.close();
    }
  });

  it("never replaces the site's aqua.json (403), which stays as it was", async () => {
    const config = '{"headers": []}\n';
    await writeFile(path.join(root, 'aqua.json'), config);
    const over = await start({ root, auth: USER, upload: true, uploadOverwrite: true, config: true });
    try {
      const res = await call(over.port, 'PUT', '/aqua.json', AUTH, Buffer.from('{"redirects": []}'));
      expect(res.status).toBe(403);
      expect(await readFile(path.join(root, 'aqua.json'), 'utf8')).toBe(config);
      // Nor a first one, where the root has none yet (it would turn the site's rules on).
      await rm(path.join(root, 'aqua.json'));
      expect((await call(over.port, 'PUT', '/aqua.json', AUTH, Buffer.from('{}'))).status).toBe(403);
      expect(await readdir(root)).not.toContain('aqua.json');
    } finally {
      await over.close();
    }
  });
});
