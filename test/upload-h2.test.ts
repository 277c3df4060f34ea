/**
 * Uploads over HTTP/2 (what browsers speak to `--tls-cert`): a PUT and a tus upload arrive byte-exact, and a
 * folder download never includes the staging folder, even with `--dotfiles`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request, startH2, type H2Fixture } from './support/h2.js';
import { metadata, randomBytesOf, sha256, TUS } from './support/upload.js';

let fx: H2Fixture;
let root: string;

beforeAll(async () => {
  fx = await startH2('aqua-upload-h2-', { upload: true, uploadAnonymous: true, dotfiles: true });
  root = fx.root;
});

afterAll(() => fx?.close());

/** One HTTP/2 request on the shared session. */
const h2 = (method: string, target: string, headers: Record<string, string> = {}, body?: Buffer) =>
  h2Request(fx.session, method, target, headers, body);

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
