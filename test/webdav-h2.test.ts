/**
 * WebDAV over HTTP/2 (what a client speaks to `--tls-cert` when it can): MKCOL, PUT, a streamed PROPFIND, MOVE
 * with an absolute `Destination` checked against `:authority`, LOCK and a PUT that needs its token, DELETE.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import http2 from 'node:http2';
import type { Http2SecureServer } from 'node:http2';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAquaServer, type AquaServer } from '../src/index.js';
import { tempDir } from './helpers.js';
import { makeCert } from './stress/support.js';

let root: string;
let origin: string;
let cleanup: () => Promise<void>;
let aqua: AquaServer<Http2SecureServer>;
let session: http2.ClientHttp2Session;

beforeAll(async () => {
  const t = await tempDir('aqua-dav-h2-');
  cleanup = t.cleanup;
  root = path.join(t.dir, 'root');
  await mkdir(root);
  const { cert, keyFile } = makeCert(t.dir);
  const key = await readFile(keyFile);
  aqua = createAquaServer({ root, tls: { cert, key }, webdav: true, upload: true, uploadAnonymous: true });
  const { port } = await aqua.listen(0, '127.0.0.1');
  origin = `https://127.0.0.1:${port}`;
  session = http2.connect(origin, { ca: cert });
});

afterAll(async () => {
  session?.close();
  await aqua?.close();
  await cleanup?.();
});

function h2(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': method, ':path': target, ...headers });
    let head: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (head = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () =>
      resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks).toString() }),
    );
    stream.on('error', reject);
    stream.end(body);
  });
}

const LOCK = Buffer.from(
  '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>',
);

describe('WebDAV over HTTP/2', () => {
  it('creates, writes, lists, moves, locks and deletes', async () => {
    expect((await h2('OPTIONS', '/')).headers.dav).toBe('1, 2');
    expect((await h2('MKCOL', '/dir')).status).toBe(201);
    expect((await h2('PUT', '/dir/a.txt', {}, Buffer.from('hello'))).status).toBe(201);
    const find = await h2('PROPFIND', '/dir/', { depth: '1' });
    expect(find.status).toBe(207);
    expect(find.body).toContain('<D:href>/dir/a.txt</D:href>');
    expect(find.body).toContain('<D:getcontentlength>5</D:getcontentlength>');
    expect((await h2('MOVE', '/dir/a.txt', { destination: `${origin}/dir/b.txt` })).status).toBe(201);
    expect((await h2('MOVE', '/dir/b.txt', { destination: 'https://elsewhere.example/dir/c.txt' })).status).toBe(502);
    expect(await readFile(path.join(root, 'dir', 'b.txt'), 'utf8')).toBe('hello');
    const lock = await h2('LOCK', '/dir/b.txt', {}, LOCK);
    expect(lock.status).toBe(200);
    const token = String(lock.headers['lock-token']);
    expect((await h2('PUT', '/dir/b.txt', {}, Buffer.from('x'))).status).toBe(423);
    expect((await h2('UNLOCK', '/dir/b.txt', { 'lock-token': token })).status).toBe(204);
    expect((await h2('DELETE', '/dir/')).status).toBe(204);
    expect(await readdir(root)).toEqual(['.aqua-uploads']);
  });
});
