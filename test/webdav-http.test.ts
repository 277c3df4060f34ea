/**
 * WebDAV's policy over real sockets (issue 16, "WebDAV"): traversal in `Destination` and in the path, MOVE and
 * COPY out of the `--upload` folder, writes to a read-only server (405 with Allow), a locked resource (423 until
 * its token is sent), Depth infinity refused, the listing's policy in PROPFIND (no dotfiles, staging folder,
 * symlink out, FIFO), DTDs refused (no XXE), a write from another origin refused, and the mount prefix in
 * `Destination` and in the answers' hrefs (under Express).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from '../src/index.js';
import { rawExchange, start, tempDir, type Running } from './helpers.js';
import { call } from './support/upload.js';

const run = promisify(execFile);

let base: string;
let root: string;
let outside: string;
let cleanup: () => Promise<void>;
let rw: Running;
let ro: Running;

beforeAll(async () => {
  const t = await tempDir('aqua-dav-http-');
  cleanup = t.cleanup;
  base = t.dir;
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await mkdir(path.join(root, 'in', 'sub'), { recursive: true });
  await mkdir(path.join(root, 'other'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(root, 'in', 'a.txt'), 'a');
  await writeFile(path.join(root, 'other', 'o.txt'), 'o');
  await writeFile(path.join(root, 'in', '.hidden'), 'h');
  await writeFile(path.join(outside, 'secret.txt'), 's');
  await symlink(outside, path.join(root, 'in', 'escape'));
  await run('mkfifo', [path.join(root, 'in', 'fifo')]);
  rw = await start({ root, webdav: true, upload: 'in', uploadAnonymous: true, uploadOverwrite: true });
  ro = await start({ root, webdav: true });
});

afterAll(async () => {
  await rw?.close();
  await ro?.close();
  await cleanup?.();
});

const text = (b: Buffer): string => b.toString('utf8');
const hrefs = (body: Buffer): string[] =>
  [...text(body).matchAll(/<D:href>([^<]*)<\/D:href>/g)].map((m) => m[1] as string);

describe('Destination and scope', () => {
  it.each([
    '/in/../../outside/x.txt',
    '/in/%2e%2e/%2e%2e/outside/x.txt',
    '/in/..%2f..%2foutside/x.txt',
    '/in/.%2e/other/x.txt',
    '/in/sub/..\\..\\x.txt',
  ])('COPY with Destination %s writes nothing outside the upload folder', async (dest) => {
    const res = await call(rw.port, 'COPY', '/in/a.txt', { Destination: dest });
    expect([403, 404]).toContain(res.status);
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect((await readdir(path.join(root, 'other'))).sort()).toEqual(['o.txt']);
    expect(text(res.body)).not.toContain(root);
  });

  it('refuses a Destination on another server (502) and an absolute URL of this one works', async () => {
    const other = await call(rw.port, 'COPY', '/in/a.txt', { Destination: 'http://example.com/in/b.txt' });
    expect(other.status).toBe(502);
    const own = await call(rw.port, 'COPY', '/in/a.txt', { Destination: `http://127.0.0.1:${rw.port}/in/b.txt` });
    expect(own.status).toBe(201);
    expect(await readFile(path.join(root, 'in', 'b.txt'), 'utf8')).toBe('a');
  });

  it('MOVE out of the upload folder, or from outside it into it, is 403; COPY from outside into it works', async () => {
    expect((await call(rw.port, 'MOVE', '/in/a.txt', { Destination: '/other/a.txt' })).status).toBe(403);
    expect((await call(rw.port, 'MOVE', '/other/o.txt', { Destination: '/in/o.txt' })).status).toBe(403);
    expect((await call(rw.port, 'MOVE', '/in/', { Destination: '/in2/' })).status).toBe(403);
    expect((await call(rw.port, 'DELETE', '/in/')).status).toBe(403);
    expect(existsSync(path.join(root, 'in', 'a.txt'))).toBe(true);
    expect(existsSync(path.join(root, 'other', 'o.txt'))).toBe(true);
    expect((await call(rw.port, 'COPY', '/other/o.txt', { Destination: '/in/o.txt' })).status).toBe(201);
    expect(await readFile(path.join(root, 'in', 'o.txt'), 'utf8')).toBe('o');
  });

  it('never writes through a symlink that leads out of the root, nor to a dotfile or the staging folder', async () => {
    const put = await call(rw.port, 'PUT', '/in/escape/x.txt', {}, Buffer.from('x'));
    expect(put.status).toBe(403);
    expect((await call(rw.port, 'MKCOL', '/in/escape/new')).status).toBe(403);
    expect((await call(rw.port, 'DELETE', '/in/escape')).status).toBe(403);
    expect((await call(rw.port, 'PUT', '/in/._a.txt', {}, Buffer.from('x'))).status).toBe(403);
    expect((await call(rw.port, 'PUT', '/in/.aqua-uploads/x', {}, Buffer.from('x'))).status).toBe(403);
    expect((await call(rw.port, 'PUT', '/in/%2e%2e/x', {}, Buffer.from('x'))).status).toBe(403);
    expect(await readdir(outside)).toEqual(['secret.txt']);
    expect(existsSync(path.join(root, 'x'))).toBe(false);
  });

  it('refuses a write from another origin (403) but lets a client without Origin through', async () => {
    expect((await call(rw.port, 'MKCOL', '/in/csrf', { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await call(rw.port, 'MKCOL', '/in/csrf', { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect(existsSync(path.join(root, 'in', 'csrf'))).toBe(false);
    expect((await call(rw.port, 'MKCOL', '/in/csrf')).status).toBe(201);
  });
});

describe('read-only (--webdav without --upload)', () => {
  it('answers asterisk-form OPTIONS as the server does without WebDAV (204), not as a path', async () => {
    for (const port of [ro.port, rw.port]) {
      const raw = await rawExchange(port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 204 No Content');
    }
  });

  it('announces class 1 only, and answers every write 405 with Allow', async () => {
    const options = await call(ro.port, 'OPTIONS', '/');
    expect(options.headers.dav).toBe('1');
    expect(options.headers.allow).toBe('OPTIONS, GET, HEAD, PROPFIND');
    for (const [method, target] of [
      ['PUT', '/in/new.txt'],
      ['DELETE', '/in/a.txt'],
      ['MKCOL', '/in/newdir'],
      ['COPY', '/in/a.txt'],
      ['MOVE', '/in/a.txt'],
      ['PROPPATCH', '/in/a.txt'],
      ['LOCK', '/in/a.txt'],
      ['UNLOCK', '/in/a.txt'],
    ] as const) {
      const res = await call(ro.port, method, target, { Destination: '/in/z.txt' }, Buffer.from(''));
      expect([method, res.status, res.headers.allow]).toEqual([method, 405, 'OPTIONS, GET, HEAD, PROPFIND']);
    }
    expect(existsSync(path.join(root, 'in', 'a.txt'))).toBe(true);
    const find = await call(ro.port, 'PROPFIND', '/in/a.txt', { Depth: '0' });
    expect(find.status).toBe(207);
    expect(text(find.body)).not.toContain('supportedlock');
  });
});

describe('locks', () => {
  const lockBody = Buffer.from(
    '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' +
      '<D:locktype><D:write/></D:locktype><D:owner>test</D:owner></D:lockinfo>',
  );

  it('a locked file answers 423 to writes without its token, and takes them with it', async () => {
    await writeFile(path.join(root, 'in', 'locked.txt'), 'v1');
    const lock = await call(rw.port, 'LOCK', '/in/locked.txt', { Timeout: 'Second-60' }, lockBody);
    expect(lock.status).toBe(200);
    const token = /^<(.+)>$/.exec(lock.headers['lock-token'] as string)?.[1] as string;
    expect(token).toMatch(/^opaquelocktoken:/);
    expect((await call(rw.port, 'PUT', '/in/locked.txt', {}, Buffer.from('v2'))).status).toBe(423);
    expect((await call(rw.port, 'DELETE', '/in/locked.txt')).status).toBe(423);
    expect((await call(rw.port, 'MOVE', '/in/locked.txt', { Destination: '/in/moved.txt' })).status).toBe(423);
    expect((await call(rw.port, 'LOCK', '/in/locked.txt', {}, lockBody)).status).toBe(423);
    expect(await readFile(path.join(root, 'in', 'locked.txt'), 'utf8')).toBe('v1');
    const put = await call(rw.port, 'PUT', '/in/locked.txt', { If: `(<${token}>)` }, Buffer.from('v2'));
    expect(put.status).toBe(204);
    expect(await readFile(path.join(root, 'in', 'locked.txt'), 'utf8')).toBe('v2');
    expect((await call(rw.port, 'UNLOCK', '/in/locked.txt', { 'Lock-Token': `<${token}>` })).status).toBe(204);
    expect((await call(rw.port, 'PUT', '/in/locked.txt', {}, Buffer.from('v3'))).status).toBe(204);
  });

  it('a depth-infinity lock on a folder protects what is inside it', async () => {
    await mkdir(path.join(root, 'in', 'lockdir'));
    const lock = await call(rw.port, 'LOCK', '/in/lockdir/', { Depth: 'infinity' }, lockBody);
    expect(lock.status).toBe(200);
    expect((await call(rw.port, 'PUT', '/in/lockdir/new.txt', {}, Buffer.from('n'))).status).toBe(423);
    expect((await call(rw.port, 'DELETE', '/in/lockdir/')).status).toBe(423);
    expect(existsSync(path.join(root, 'in', 'lockdir', 'new.txt'))).toBe(false);
    // PROPFIND tells the lock on the folder (a member of /in/) and on what is inside it (inherited).
    await writeFile(path.join(root, 'in', 'lockdir', 'inside.txt'), 'i');
    const responses = async (folder: string): Promise<Map<string, string>> => {
      const body = text((await call(rw.port, 'PROPFIND', folder, { Depth: '1' })).body);
      return new Map(
        [...body.matchAll(/<D:response><D:href>([^<]*)<\/D:href>(.*?)<\/D:response>/gs)].map((m) => [
          m[1] as string,
          m[2] as string,
        ]),
      );
    };
    const inIn = await responses('/in/');
    expect(inIn.get('/in/lockdir/')).toContain('<D:activelock>');
    expect(inIn.get('/in/lockdir/')).toContain('<D:lockroot><D:href>/in/lockdir/</D:href></D:lockroot>');
    expect(inIn.get('/in/a.txt')).toContain('<D:lockdiscovery></D:lockdiscovery>');
    const inside = await responses('/in/lockdir/');
    expect(inside.get('/in/lockdir/inside.txt')).toContain('<D:depth>infinity</D:depth>');
  });
});

describe('PROPFIND', () => {
  it('refuses Depth infinity (and no Depth, which means infinity) with 403 propfind-finite-depth', async () => {
    for (const headers of [{ Depth: 'infinity' }, {}] as Record<string, string>[]) {
      const res = await call(rw.port, 'PROPFIND', '/in/', headers);
      expect(res.status).toBe(403);
      expect(text(res.body)).toContain('<D:propfind-finite-depth/>');
    }
  });

  it('lists members as the listing does: no dotfile, staging folder, symlink out of the root or FIFO', async () => {
    const res = await call(rw.port, 'PROPFIND', '/in/', { Depth: '1' });
    expect(res.status).toBe(207);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    const listed = hrefs(res.body);
    expect(listed).toContain('/in/');
    expect(listed).toContain('/in/a.txt');
    expect(listed).toContain('/in/sub/');
    for (const hidden of ['.hidden', 'escape', 'fifo', '.aqua-uploads'])
      expect(listed.some((h) => h.includes(hidden))).toBe(false);
    expect((await call(rw.port, 'PROPFIND', '/.DS_Store', { Depth: '0' })).status).toBe(404);
    expect((await call(rw.port, 'PROPFIND', '/in/escape/', { Depth: '0' })).status).toBe(404);
  });

  it('refuses a body with a DTD (no entity is expanded, nothing external read) and malformed XML with 400', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://${outside}/secret.txt">]><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&x;</D:displayname></D:prop></D:propfind>`;
    const res = await call(rw.port, 'PROPFIND', '/in/', { Depth: '0' }, Buffer.from(xxe));
    expect(res.status).toBe(400);
    expect((await call(rw.port, 'PROPFIND', '/in/', { Depth: '0' }, Buffer.from('<D:propfind'))).status).toBe(400);
    const big = Buffer.alloc(2 * 2 ** 20, 'a');
    expect((await call(rw.port, 'PROPFIND', '/in/', { Depth: '0' }, big)).status).toBe(413);
  });
});

describe('without --upload-overwrite', () => {
  let safe: Running;
  beforeAll(async () => {
    safe = await start({ root, webdav: true, upload: 'in', uploadAnonymous: true });
  });
  afterAll(() => safe?.close());

  it('never replaces a file that has content (412), but writes into an empty one (Finder, Windows)', async () => {
    expect((await call(safe.port, 'PUT', '/in/keep.txt', {}, Buffer.from('first'))).status).toBe(201);
    expect((await call(safe.port, 'PUT', '/in/keep.txt', {}, Buffer.from('second'))).status).toBe(412);
    expect(await readFile(path.join(root, 'in', 'keep.txt'), 'utf8')).toBe('first');
    expect((await call(safe.port, 'PUT', '/in/blank.txt', {}, Buffer.from(''))).status).toBe(201);
    expect((await call(safe.port, 'PUT', '/in/blank.txt', {}, Buffer.from('content'))).status).toBe(204);
    expect(await readFile(path.join(root, 'in', 'blank.txt'), 'utf8')).toBe('content');
    const copy = await call(safe.port, 'COPY', '/in/blank.txt', { Destination: '/in/keep.txt', Overwrite: 'T' });
    expect(copy.status).toBe(412);
    const move = await call(safe.port, 'MOVE', '/in/blank.txt', { Destination: '/in/keep.txt', Overwrite: 'T' });
    expect(move.status).toBe(412);
    expect(await readFile(path.join(root, 'in', 'keep.txt'), 'utf8')).toBe('first');
    expect(await readdir(path.join(root, '.aqua-uploads'))).toEqual([]);
  });

  it('gives the RFC 4331 quota of a folder when asked for it by name', async () => {
    const body = Buffer.from(
      '<D:propfind xmlns:D="DAV:"><D:prop><D:quota-available-bytes/><D:quota-used-bytes/></D:prop></D:propfind>',
    );
    const res = await call(safe.port, 'PROPFIND', '/in/', { Depth: '0' }, body);
    expect(res.status).toBe(207);
    const available = /<D:quota-available-bytes>(\d+)</.exec(text(res.body))?.[1];
    const used = /<D:quota-used-bytes>(\d+)</.exec(text(res.body))?.[1];
    expect(Number(available)).toBeGreaterThan(0);
    expect(Number(used)).toBeGreaterThan(0);
    const all = await call(safe.port, 'PROPFIND', '/in/', { Depth: '0' });
    expect(text(all.body)).not.toContain('quota');
  });
});

describe('the site config file and --no-listing', () => {
  let site: Running;
  let hidden: Running;
  let siteRoot: string;
  beforeAll(async () => {
    siteRoot = path.join(base, 'site');
    await mkdir(path.join(siteRoot, 'docs'), { recursive: true });
    await writeFile(path.join(siteRoot, 'aqua.json'), '{"cleanUrls": false}');
    await writeFile(path.join(siteRoot, 'docs', 'a.txt'), 'a');
    const writes = { webdav: true, upload: true, uploadAnonymous: true, uploadOverwrite: true } as const;
    site = await start({ root: siteRoot, config: true, ...writes });
    hidden = await start({ root: siteRoot, listing: false, webdav: true });
  });
  afterAll(async () => {
    await site?.close();
    await hidden?.close();
  });

  it('hides aqua.json as GET does: not listed, not found, not copied, not written', async () => {
    const listed = hrefs((await call(site.port, 'PROPFIND', '/', { Depth: '1' })).body);
    expect(listed).toContain('/docs/');
    expect(listed).not.toContain('/aqua.json');
    expect((await call(site.port, 'PROPFIND', '/aqua.json', { Depth: '0' })).status).toBe(404);
    expect((await call(site.port, 'COPY', '/aqua.json', { Destination: '/docs/c.json' })).status).toBe(404);
    expect((await call(site.port, 'PUT', '/aqua.json', {}, Buffer.from('{}'))).status).toBe(403);
    expect((await call(site.port, 'DELETE', '/aqua.json')).status).toBe(403);
    expect((await call(site.port, 'MOVE', '/docs/a.txt', { Destination: '/aqua.json' })).status).toBe(403);
    expect((await call(site.port, 'COPY', '/', { Destination: '/docs/all/' })).status).toBe(403);
    expect(await readFile(path.join(siteRoot, 'aqua.json'), 'utf8')).toBe('{"cleanUrls": false}');
    expect(existsSync(path.join(siteRoot, 'docs', 'c.json'))).toBe(false);
  });

  it("with --no-listing, a PROPFIND does not tell a folder's members (403), Depth 0 still answers", async () => {
    expect((await call(hidden.port, 'PROPFIND', '/docs/', { Depth: '1' })).status).toBe(403);
    expect((await call(hidden.port, 'PROPFIND', '/docs/', { Depth: '0' })).status).toBe(207);
    expect((await call(hidden.port, 'PROPFIND', '/docs/a.txt', { Depth: '1' })).status).toBe(207);
  });
});

describe('under a mount prefix (Express)', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    const app = express();
    app.use('/media', serveDirectory(root, { webdav: true, upload: 'in', uploadAnonymous: true }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers hrefs with the prefix and takes a Destination with it (absolute URL too), not without', async () => {
    const res = await call(port, 'PROPFIND', '/media/in/', { Depth: '1' });
    expect(res.status).toBe(207);
    expect(hrefs(res.body)).toContain('/media/in/a.txt');
    expect((await call(port, 'COPY', '/media/in/a.txt', { Destination: '/in/m1.txt' })).status).toBe(403);
    const abs = `http://127.0.0.1:${port}/media/in/m2.txt`;
    expect((await call(port, 'COPY', '/media/in/a.txt', { Destination: abs })).status).toBe(201);
    expect(await readFile(path.join(root, 'in', 'm2.txt'), 'utf8')).toBe('a');
    expect(existsSync(path.join(root, 'in', 'm1.txt'))).toBe(false);
  });
});
