import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareSigner } from '../src/server/share.js';
import { rawExchange, request, spawnCli, start, tempDir, type Running } from './helpers.js';

const KEY = 'a share key of thirty-two bytes!';
const AUTH = { authorization: 'Basic ' + Buffer.from('u:p').toString('base64') };

/** The `?token=` a page's "Copy share link" button carries. */
function tokenIn(page: Buffer): string {
  const copy = /data-copy="([^"]*\?token=[^"]+)"[^>]*>.*?Copy share link/.exec(page.toString())?.[1] ?? '';
  return decodeURIComponent(copy.replace(/^.*\?token=/, '').replace(/&amp;/g, '&'));
}

describe('share links: ?token= opens one file or folder without the --auth password', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let server: Running;
  let folderToken: string;
  let fileToken: string;
  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir());
    await mkdir(path.join(root, 'Films', 'Extras'), { recursive: true });
    await writeFile(path.join(root, 'Films', 'Amélie.mkv'), 'film bytes 0123456789');
    await writeFile(path.join(root, 'Films', 'Amélie.en.vtt'), 'WEBVTT\n');
    await writeFile(path.join(root, 'Films', 'Amélie 2.mkv'), 'another film');
    await writeFile(path.join(root, 'Films', 'Extras', 'trailer.txt'), 'trailer');
    await writeFile(path.join(root, 'secret.txt'), 'not shared');
    server = await start({ root, auth: 'u:p', shareKey: KEY });
    folderToken = tokenIn((await request(server.port, '/Films/', { headers: AUTH })).body);
    fileToken = tokenIn((await request(server.port, '/Films/Am%C3%A9lie.mkv?view', { headers: AUTH })).body);
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('folder and viewer pages offer "Copy share link" with a token', () => {
    expect(folderToken).toMatch(/^[\w-]+\.[\w-]{43}$/);
    expect(fileToken).toMatch(/^[\w-]+\.[\w-]{43}$/);
    expect(fileToken).not.toBe(folderToken);
  });

  it('a folder token opens the folder and everything below it, and sets a cookie for the pages it leads to', async () => {
    const page = await request(server.port, `/Films/?token=${folderToken}`);
    expect(page.status).toBe(200);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(
      new RegExp(`^aqua-share=${folderToken.replace(/[.-]/g, '\\$&')}; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Lax$`),
    );
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
    expect(maxAge).toBeGreaterThan(7 * 86_400 - 60);
    expect(maxAge).toBeLessThanOrEqual(8 * 86_400);
    const jar = { cookie: `other=1; aqua-share=${folderToken}` };
    for (const url of [
      '/Films/Am%C3%A9lie.mkv',
      '/Films/Extras/trailer.txt',
      '/Films/Extras/',
      '/Films/Am%C3%A9lie.mkv?view',
    ])
      expect((await request(server.port, url, { headers: jar })).status, url).toBe(200);
    const asset = /href="(\/\.aqua\/[^"]+\.css)"/.exec(page.body.toString())?.[1] ?? '';
    expect((await request(server.port, asset, { headers: jar })).status).toBe(200);
    expect((await request(server.port, '/secret.txt', { headers: jar })).status).toBe(401);
    expect((await request(server.port, '/', { headers: jar })).status).toBe(401);
  });

  it('a file token opens the file and its sidecars (same name, other extension), nothing else', async () => {
    const ok = ['/Films/Am%C3%A9lie.mkv', '/Films/Am%C3%A9lie.en.vtt', '/Films/Am%C3%A9lie.mkv?view'];
    for (const url of ok)
      expect((await request(server.port, `${url}${url.includes('?') ? '&' : '?'}token=${fileToken}`)).status, url).toBe(
        200,
      );
    const refused = ['/Films/Am%C3%A9lie%202.mkv', '/Films/', '/Films/Extras/trailer.txt', '/secret.txt'];
    for (const url of refused) expect((await request(server.port, `${url}?token=${fileToken}`)).status, url).toBe(403);
  });

  it('answers Range and HEAD, as a player or downloader asks', async () => {
    const url = `/Films/Am%C3%A9lie.mkv?token=${fileToken}`;
    const part = await request(server.port, url, { headers: { range: 'bytes=5-9' } });
    expect(part.status).toBe(206);
    expect(part.body.toString()).toBe('bytes');
    const head = await request(server.port, url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it.each([
    ['an encoded parent segment', '/Films/%2e%2e/secret.txt'],
    ['an encoded slash', '/Films/..%2fsecret.txt'],
    ['a raw parent segment', '/Films/../secret.txt'],
    ['a doubled slash', '/Films//../secret.txt'],
    ['a backslash', '/Films/..\\secret.txt'],
  ])('no spelling climbs out of the scope: %s', async (_name, url) => {
    const reply = await rawExchange(
      server.port,
      `GET ${url}?token=${folderToken} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 (403|404) /);
    expect(reply).not.toContain('not shared');
  });

  it('writes and other methods still need the password', async () => {
    for (const method of ['PUT', 'POST', 'DELETE', 'OPTIONS']) {
      const reply = await request(server.port, `/Films/x.txt?token=${folderToken}`, { method });
      expect(reply.status, method).toBe(401);
    }
  });

  it('a forged, expired or foreign token answers 403 without a password prompt', async () => {
    const signer = shareSigner(KEY);
    const now = Math.floor(Date.now() / 1000);
    const flipped = folderToken.slice(0, -2) + (folderToken.endsWith('A') ? 'B' : 'A') + folderToken.slice(-1);
    const tokens = {
      forged: flipped,
      expired: signer.sign(['Films'], true, now - 1),
      foreign: shareSigner('another key of thirty-two bytes!').sign(['Films'], true, now + 3600),
      widened: signer
        .sign(['Films'], true, now + 3600)
        .replace(/^[^.]+/, Buffer.from(`1|${now + 3600}|`).toString('base64url')),
      garbage: '%%%',
    };
    for (const [name, token] of Object.entries(tokens)) {
      const reply = await request(server.port, `/Films/Am%C3%A9lie.mkv?token=${encodeURIComponent(token)}`);
      expect(reply.status, name).toBe(403);
      expect(reply.headers['www-authenticate'], name).toBeUndefined();
      expect(reply.headers['set-cookie'], name).toBeUndefined();
    }
    const stale = await request(server.port, '/Films/', { headers: { cookie: `aqua-share=${tokens.expired}` } });
    expect(stale.status).toBe(401);
  });

  it('a token from a cookie sets no cookie again; the password still works beside it', async () => {
    const reply = await request(server.port, '/Films/', { headers: { cookie: `aqua-share=${folderToken}` } });
    expect(reply.status).toBe(200);
    expect(reply.headers['set-cookie']).toBeUndefined();
    expect(
      (await request(server.port, '/secret.txt', { headers: { ...AUTH, cookie: `aqua-share=${folderToken}` } })).status,
    ).toBe(200);
  });
});

describe('share links need --auth', () => {
  it('without auth, pages offer none and a token changes nothing', async () => {
    const { dir, cleanup } = await tempDir();
    await writeFile(path.join(dir, 'a.txt'), 'a');
    const server = await start({ root: dir, shareKey: KEY });
    try {
      const page = await request(server.port, '/');
      expect(page.body.toString()).not.toContain('Copy share link');
      const reply = await request(server.port, '/a.txt?token=x.y');
      expect(reply.status).toBe(200);
      expect(reply.headers['set-cookie']).toBeUndefined();
    } finally {
      await server.close();
      await cleanup();
    }
  });
});

describe('aqua-serve --auth keeps its share key outside the served folder', () => {
  it('makes the key file once (mode 0600), so links survive a restart', async () => {
    const { dir, cleanup } = await tempDir();
    const config = path.join(dir, 'config');
    const served = path.join(dir, 'served');
    await mkdir(served);
    await writeFile(path.join(served, 'a.txt'), 'shared');
    const env = { XDG_CONFIG_HOME: config };
    try {
      const first = await spawnCli([served, '--auth', 'u:p', '-p', '0'], env);
      const token = tokenIn((await request(first.port, '/', { headers: AUTH })).body);
      expect(first.stdout()).toContain(`Share links: pages offer "Copy share link"`);
      expect(first.stdout()).toContain(path.join(config, 'aqua-serve', 'share.key'));
      await first.stop();
      const keyFile = path.join(config, 'aqua-serve', 'share.key');
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
      expect((await readFile(keyFile, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
      const second = await spawnCli([served, '--auth', 'u:p', '-p', '0'], env);
      try {
        const reply = await request(second.port, `/a.txt?token=${token}`);
        expect(reply.status).toBe(200);
        expect(reply.body.toString()).toBe('shared');
      } finally {
        await second.stop();
      }
    } finally {
      await cleanup();
    }
  });

  it('refuses a --share-key inside the served folder: one line, exit 2', async () => {
    const { dir, cleanup } = await tempDir();
    const { spawnSync } = await import('node:child_process');
    try {
      const run = spawnSync(
        process.execPath,
        ['bin/aqua-serve.js', dir, '--auth', 'u:p', '--share-key', path.join(dir, 'key'), '-p', '0'],
        { encoding: 'utf8', timeout: 10_000 },
      );
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('--share-key must be outside the served folder');
    } finally {
      await cleanup();
    }
  });
});
