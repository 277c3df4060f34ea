/**
 * Uploads over HTTP/2 (what browsers speak to `--tls-cert`): a PUT and a tus upload arrive byte-exact, and a
 * folder download never includes the staging folder, even with `--dotfiles`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import http2 from 'node:http2';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAquaServer, type AquaServer } from '../src/index.js';
import type { Http2SecureServer } from 'node:http2';
import { tempDir } from './helpers.js';
import { makeCert } from './stress/support.js';
import { metadata, randomBytesOf, sha256, TUS } from './support/upload.js';

let root: string;
let cleanup: () => Promise<void>;
let aqua: AquaServer<Http2SecureServer>;
let session: http2.ClientHttp2Session;

beforeAll(async () => {
  const t = await tempDir('aqua-upload-h2-');
  cleanup = t.cleanup;
  root = path.join(t.dir, 'root');
  await mkdir(root);
  const { cert, keyFile } = makeCert(t.dir);
  const key = await readFile(keyFile);
  aqua = createAquaServer({ root, tls: { cert, key }, upload: true, uploadAnonymous: true, dotfiles: true });
  const { port } = await aqua.listen(0, '127.0.0.1');
  session = http2.connect(`https://127.0.0.1:${port}`, { ca: cert });
});

afterAll(async () => {
  session?.close();
  await aqua?.close();
  await cleanup?.();
});

/** One HTTP/2 request on the shared session. */
function h2(
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': method, ':path': target, ...headers });
    let head: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (head = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.end(body);
  });
}

describe('uploads over HTTP/2', () => {
  it('PUT arrives byte-exact: 201 with Location', async () => {
    const body = randomBytesOf(3 * 2 ** 20);
    const res = await h2('PUT', '/h2.bin', {}, body);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('/h2.bin');
    expect(sha256(await readFile(path.join(root, 'h2.bin')))).toBe(sha256(body));
  });

  it('a tus upload in two PATCHes arrives byte-exact', async () => {
    const body = randomBytesOf(2 * 2 ** 20);
    const created = await h2('POST', '/', {
      ...TUS,
      'upload-length': String(body.length),
      'upload-metadata': metadata({ filename: 'tus-h2.bin' }),
    });
    expect(created.status).toBe(201);
    const upload = String(created.headers.location);
    const octets = { ...TUS, 'content-type': 'application/offset+octet-stream' };
    const half = body.length / 2;
    expect((await h2('PATCH', upload, { ...octets, 'upload-offset': '0' }, body.subarray(0, half))).status).toBe(204);
    const last = await h2('PATCH', upload, { ...octets, 'upload-offset': String(half) }, body.subarray(half));
    expect(last.status).toBe(204);
    expect(last.headers['aqua-location']).toBe('/tus-h2.bin');
    expect(sha256(await readFile(path.join(root, 'tus-h2.bin')))).toBe(sha256(body));
  });

  it('a folder download leaves the staging folder out, even with --dotfiles', async () => {
    const res = await h2('GET', '/?download=tar');
    expect(res.status).toBe(200);
    expect(res.body.includes(Buffer.from('h2.bin'))).toBe(true);
    expect(res.body.includes(Buffer.from('.aqua-uploads'))).toBe(false);
  });
});
