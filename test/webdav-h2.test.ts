/**
 * WebDAV over HTTP/2 (what a client speaks to `--tls-cert` when it can): MKCOL, PUT, a streamed PROPFIND, MOVE
 * with an absolute `Destination` checked against `:authority`, LOCK and a PUT that needs its token, DELETE.
 */
import { readdir, readFile } from 'node:fs/promises';
import type http2 from 'node:http2';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request, startH2, type H2Fixture } from './support/h2.js';

let fx: H2Fixture;
let root: string;
let origin: string;

beforeAll(async () => {
  fx = await startH2('aqua-dav-h2-', { webdav: true, upload: true, uploadAnonymous: true });
  ({ root, origin } = fx);
});

afterAll(() => fx?.close());

/** One HTTP/2 request on the shared session, its body as text. */
async function h2(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  const res = await h2Request(fx.session, method, target, headers, body);
  return { ...res, body: res.body.toString() };
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
