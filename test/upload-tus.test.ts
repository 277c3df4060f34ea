/**
 * tus 1.0 uploads (issue 16), over real sockets: the protocol row by row (OPTIONS, creation, HEAD, PATCH,
 * checksum 460, termination, expiry), an upload interrupted twice and resumed byte-exact, one that outlives
 * its server, and tus-js-client from Node interrupted twice and resumed.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, symlink, utimes } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Running } from './helpers.js';
import {
  AUTH,
  call,
  eventLog,
  memoryTempDir,
  metadata,
  rawHead,
  randomBytesOf,
  sendCut,
  sha256,
  sha256File,
  TUS,
  USER,
} from './support/upload.js';
import { sweepStaging } from '../src/upload/staging.js';

const STAGING = '.aqua-uploads';
const ENDPOINT = '/.aqua/upload/';
const OCTETS = { 'Content-Type': 'application/offset+octet-stream' };

let root: string;
let cleanup: () => Promise<void>;
let server: Running;
const log = eventLog();

beforeAll(async () => {
  const t = await memoryTempDir('aqua-upload-tus-');
  cleanup = t.cleanup;
  root = t.dir;
  await mkdir(path.join(root, 'in'));
  await mkdir(path.join(root, 'other'));
  await mkdir(path.join(root, 'outside-area'));
  await symlink(path.join(root, 'outside-area'), path.join(root, 'in', 'escape'));
  server = await start({ root, auth: USER, upload: 'in', uploadMaxSize: 64 * 2 ** 20, logger: log.logger });
});

afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

/** Create an upload; resolves with its path (`/.aqua/upload/<id>`). */
async function create(
  length: number,
  meta: Record<string, string>,
  at = ENDPOINT,
  port = server.port,
): Promise<string> {
  const res = await call(port, 'POST', at, {
    ...AUTH,
    ...TUS,
    'Upload-Length': String(length),
    'Upload-Metadata': metadata(meta),
  });
  expect(res.status).toBe(201);
  expect(res.headers['upload-expires']).toMatch(/GMT$/);
  return new URL(String(res.headers.location), 'http://x').pathname;
}

async function offsetOf(upload: string, port = server.port): Promise<number> {
  const res = await call(port, 'HEAD', upload, { ...AUTH, ...TUS });
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return Number(res.headers['upload-offset']);
}

function patch(upload: string, offset: number, body: Buffer, extra: Record<string, string> = {}, port = server.port) {
  return call(port, 'PATCH', upload, { ...AUTH, ...TUS, ...OCTETS, 'Upload-Offset': String(offset), ...extra }, body);
}

/** PATCH `part` of a body announced as `announced` bytes, then hang up; resolves when the server saved what came. */
async function patchCut(upload: string, offset: number, part: Buffer, announced: number): Promise<void> {
  const saved = log.next('upload interrupted');
  const head = rawHead('PATCH', upload, {
    ...AUTH,
    ...TUS,
    ...OCTETS,
    'Upload-Offset': offset,
    'Content-Length': announced,
  });
  await sendCut(server.port, head, part, 'end');
  await saved;
}

const stagingFiles = (): Promise<string[]> => readdir(path.join(root, STAGING));
const idOf = (upload: string): string => upload.slice(ENDPOINT.length);

describe('tus: the protocol', () => {
  it('OPTIONS names the version, the extensions, the largest size and the checksum algorithms', async () => {
    const res = await call(server.port, 'OPTIONS', ENDPOINT, AUTH);
    expect(res.status).toBe(204);
    expect(res.headers['tus-resumable']).toBe('1.0.0');
    expect(res.headers['tus-version']).toBe('1.0.0');
    expect(String(res.headers['tus-extension']).split(',').sort()).toEqual(
      ['checksum', 'creation', 'creation-with-upload', 'expiration', 'termination'].sort(),
    );
    expect(res.headers['tus-max-size']).toBe(String(64 * 2 ** 20));
    expect(String(res.headers['tus-checksum-algorithm']).split(',')).toContain('sha1');
  });

  it.each([
    ['no Tus-Resumable (a simple form POST)', 412, { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['another tus version', 412, { 'Tus-Resumable': '0.2.2', 'Upload-Length': '1' }],
    ['no Upload-Length', 400, { ...TUS }],
    ['Upload-Defer-Length', 400, { ...TUS, 'Upload-Defer-Length': '1' }],
    ['an Upload-Length over --upload-max-size', 413, { ...TUS, 'Upload-Length': String(65 * 2 ** 20) }],
    ['no file name', 400, { ...TUS, 'Upload-Length': '1' }],
    ['a name with ..', 400, { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': metadata({ filename: '../x' }) }],
    [
      'a relative path with ..',
      400,
      { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': metadata({ relativePath: 'a/../../x' }) },
    ],
    ['a dotfile name', 400, { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': metadata({ filename: '.bashrc' }) }],
    [
      'the staging folder',
      400,
      { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': metadata({ relativePath: `${STAGING}/x` }) },
    ],
    [
      'a relative path through a symlink out of the upload folder',
      403,
      { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': metadata({ relativePath: 'escape/sub/x' }) },
    ],
    ['malformed metadata', 400, { ...TUS, 'Upload-Length': '1', 'Upload-Metadata': 'filename !!!' }],
    [
      'a cross-origin Origin',
      403,
      { ...TUS, 'Upload-Length': '1', Origin: 'http://evil.example', 'Upload-Metadata': metadata({ filename: 'x' }) },
    ],
  ])('POST with %s → %i, and no upload is created', async (_what, status, headers) => {
    const before = await stagingFiles().catch(() => []);
    const res = await call(server.port, 'POST', ENDPOINT, { ...AUTH, ...headers });
    expect(res.status).toBe(status);
    expect(await stagingFiles().catch(() => [])).toEqual(before);
  });

  it('POST without credentials → 401', async () => {
    const res = await call(server.port, 'POST', ENDPOINT, {
      ...TUS,
      'Upload-Length': '1',
      'Upload-Metadata': metadata({ filename: 'x' }),
    });
    expect(res.status).toBe(401);
  });

  it('POST on a folder outside the upload folder → 403; on a missing one → 409', async () => {
    const headers = { ...AUTH, ...TUS, 'Upload-Length': '1', 'Upload-Metadata': metadata({ filename: 'x' }) };
    expect((await call(server.port, 'POST', '/other/', headers)).status).toBe(403);
    expect((await call(server.port, 'POST', '/in/missing/', headers)).status).toBe(409);
  });

  it('PATCH: wrong offset 409, wrong type 415, unsupported checksum 400, unknown upload 404', async () => {
    const upload = await create(10, { filename: 'rows.txt' });
    expect((await patch(upload, 3, Buffer.from('abc'))).status).toBe(409);
    const wrongType = await call(
      server.port,
      'PATCH',
      upload,
      { ...AUTH, ...TUS, 'Upload-Offset': '0' },
      Buffer.from('a'),
    );
    expect(wrongType.status).toBe(415);
    expect((await patch(upload, 0, Buffer.from('a'), { 'Upload-Checksum': 'crc99 AAAA' })).status).toBe(400);
    expect((await patch(`${ENDPOINT}${'0'.repeat(32)}`, 0, Buffer.from('a'))).status).toBe(404);
    expect((await patch(upload, 0, Buffer.from('more than ten bytes'))).status).toBe(413);
    expect(await offsetOf(upload)).toBe(0);
  });

  it('a checksum mismatch is 460 and the bytes do not count; a matching one does', async () => {
    const body = Buffer.from('checked bytes');
    const upload = await create(body.length, { filename: 'checked.txt' });
    const wrong = createHash('sha1').update('other bytes').digest('base64');
    const res = await patch(upload, 0, body, { 'Upload-Checksum': `sha1 ${wrong}` });
    expect(res.status).toBe(460);
    expect(await offsetOf(upload)).toBe(0);
    expect((await stat(path.join(root, STAGING, `${idOf(upload)}.part`))).size).toBe(0);
    const right = createHash('sha1').update(body).digest('base64');
    const ok = await patch(upload, 0, body, { 'Upload-Checksum': `sha1 ${right}` });
    expect(ok.status).toBe(204);
    expect(ok.headers['upload-offset']).toBe(String(body.length));
    expect(await readFile(path.join(root, 'in', 'checked.txt'), 'utf8')).toBe('checked bytes');
  });

  it('DELETE (termination) removes the staging files; the upload is gone after', async () => {
    const upload = await create(100, { filename: 'doomed.bin' });
    expect((await patch(upload, 0, randomBytesOf(40))).status).toBe(204);
    expect((await stagingFiles()).filter((f) => f.startsWith(idOf(upload)))).toHaveLength(2);
    const res = await call(server.port, 'DELETE', upload, { ...AUTH, ...TUS });
    expect(res.status).toBe(204);
    expect((await stagingFiles()).filter((f) => f.startsWith(idOf(upload)))).toEqual([]);
    expect((await call(server.port, 'HEAD', upload, { ...AUTH, ...TUS })).status).toBe(404);
    expect(await readdir(path.join(root, 'in'))).not.toContain('doomed.bin');
  });

  it('creation-with-upload: the whole file in the POST, placed at once', async () => {
    const body = randomBytesOf(5000);
    const res = await call(
      server.port,
      'POST',
      '/in/',
      { ...AUTH, ...TUS, ...OCTETS, 'Upload-Length': '5000', 'Upload-Metadata': metadata({ filename: 'at-once.bin' }) },
      body,
    );
    expect(res.status).toBe(201);
    expect(res.headers['upload-offset']).toBe('5000');
    expect(res.headers['aqua-location']).toBe('/in/at-once.bin');
    expect(sha256(await readFile(path.join(root, 'in', 'at-once.bin')))).toBe(sha256(body));
  });

  it('an empty file (Upload-Length: 0) is placed at creation', async () => {
    const res = await call(server.port, 'POST', ENDPOINT, {
      ...AUTH,
      ...TUS,
      'Upload-Length': '0',
      'Upload-Metadata': metadata({ filename: 'empty.txt' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers['upload-offset']).toBe('0');
    expect(res.headers['aqua-location']).toBe('/in/empty.txt');
    expect((await stat(path.join(root, 'in', 'empty.txt'))).size).toBe(0);
  });

  it('a relative path creates its folders below the one it was created in; a name taken gets (1)', async () => {
    for (const expected of ['/in/album/2024/pic.jpg', '/in/album/2024/pic%20%281%29.jpg']) {
      const upload = await create(3, { relativePath: 'album/2024/pic.jpg', filename: 'pic.jpg' });
      const res = await patch(upload, 0, Buffer.from('jpg'));
      expect(res.status).toBe(204);
      expect(res.headers['aqua-location']).toBe(expected);
    }
    expect((await readdir(path.join(root, 'in', 'album', '2024'))).sort()).toEqual(['pic (1).jpg', 'pic.jpg']);
  });

  it('an expired upload is removed when it is asked for (404)', async () => {
    const upload = await create(10, { filename: 'old.bin' });
    const long = new Date(Date.now() - 2 * 86_400_000);
    for (const ext of ['part', 'json']) await utimes(path.join(root, STAGING, `${idOf(upload)}.${ext}`), long, long);
    expect((await call(server.port, 'HEAD', upload, { ...AUTH, ...TUS })).status).toBe(404);
    expect((await stagingFiles()).filter((f) => f.startsWith(idOf(upload)))).toEqual([]);
  });

  it('abandoned staging files are removed by the sweep at start', async () => {
    const upload = await create(10, { filename: 'abandoned.bin' });
    const fresh = await create(10, { filename: 'fresh.bin' });
    const long = new Date(Date.now() - 2 * 86_400_000);
    for (const ext of ['part', 'json']) await utimes(path.join(root, STAGING, `${idOf(upload)}.${ext}`), long, long);
    const swept = eventLog();
    const next = await start({ root, auth: USER, upload: 'in', logger: swept.logger });
    try {
      await swept.next('expired uploads removed', true);
      const left = await stagingFiles();
      expect(left.filter((f) => f.startsWith(idOf(upload)))).toEqual([]);
      expect(left.filter((f) => f.startsWith(idOf(fresh)))).toHaveLength(2);
    } finally {
      await next.close();
    }
  });

  it.each([
    ['both files old', true, [3, 3]],
    ['the data written to lately', false, [0, 3]],
    ['the state written lately', false, [3, 0]],
  ])('sweepStaging: %s → removed: %s', async (_what, removed, [dataDays, stateDays]) => {
    const dir = path.join(root, STAGING);
    const id = 'f'.repeat(31) + String(dataDays) + String(stateDays);
    const { writeFile } = await import('node:fs/promises');
    for (const [ext, days] of [
      ['part', dataDays],
      ['json', stateDays],
    ] as const) {
      await writeFile(path.join(dir, `${id}.${ext}`), '{}');
      const when = new Date(Date.now() - (days as number) * 86_400_000);
      await utimes(path.join(dir, `${id}.${ext}`), when, when);
    }
    const gone = await sweepStaging(dir, 86_400_000);
    expect(gone.includes(`${id}.part`)).toBe(removed);
    expect((await stagingFiles()).includes(`${id}.json`)).toBe(!removed);
  });
});

describe('tus: interrupted and resumed', () => {
  it('an upload cut off twice resumes from the saved offset and arrives byte-exact', async () => {
    const body = randomBytesOf(24 * 2 ** 20);
    const upload = await create(body.length, { filename: 'twice.bin' });
    await patchCut(upload, 0, body.subarray(0, 5 * 2 ** 20), body.length);
    // What reached the server counts (chunks still in its buffers when the connection failed may not).
    const first = await offsetOf(upload);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(5 * 2 ** 20);
    await patchCut(upload, first, body.subarray(first, 19 * 2 ** 20), body.length - first);
    const second = await offsetOf(upload);
    expect(second).toBeGreaterThan(first);
    expect(second).toBeLessThanOrEqual(19 * 2 ** 20);
    expect(await readdir(path.join(root, 'in'))).not.toContain('twice.bin');
    const res = await patch(upload, second, body.subarray(second));
    expect(res.status).toBe(204);
    expect(res.headers['upload-offset']).toBe(String(body.length));
    expect(sha256(await readFile(path.join(root, 'in', 'twice.bin')))).toBe(sha256(body));
    expect(await offsetOf(upload)).toBe(body.length); // asked again later: complete
  });

  it('a resumed PATCH stops the one still hanging on a dead connection, instead of waiting for it', async () => {
    const body = randomBytesOf(20 * 2 ** 20);
    const upload = await create(body.length, { filename: 'takeover.bin' });
    const saved = log.next('upload offset saved');
    const hanging = net.connect(server.port, '127.0.0.1');
    hanging.on('error', () => undefined);
    const closed = new Promise((resolve) => hanging.on('close', resolve));
    hanging.write(
      rawHead('PATCH', upload, { ...AUTH, ...TUS, ...OCTETS, 'Upload-Offset': 0, 'Content-Length': body.length }),
    );
    hanging.write(body.subarray(0, 17 * 2 ** 20)); // past the 16 MiB checkpoint, then silence: no FIN, no RST
    expect(Number((await saved).offset)).toBeGreaterThanOrEqual(16 * 2 ** 20);
    const stale = await offsetOf(upload);
    const second = await patch(upload, stale, body.subarray(stale));
    await closed; // the server closed the hanging connection
    expect([204, 409]).toContain(second.status);
    const offset = await offsetOf(upload);
    if (offset < body.length) expect((await patch(upload, offset, body.subarray(offset))).status).toBe(204);
    expect(sha256(await readFile(path.join(root, 'in', 'takeover.bin')))).toBe(sha256(body));
  });

  it('an upload outlives its server: a new one on the same root resumes it', async () => {
    const body = randomBytesOf(3 * 2 ** 20);
    const upload = await create(body.length, { filename: 'restart.bin' });
    await patchCut(upload, 0, body.subarray(0, 2 ** 20), body.length);
    const again = await start({ root, auth: USER, upload: 'in' });
    try {
      const offset = await offsetOf(upload, again.port);
      expect(offset).toBeGreaterThan(0);
      expect(offset).toBeLessThanOrEqual(2 ** 20);
      expect((await patch(upload, offset, body.subarray(offset), {}, again.port)).status).toBe(204);
      expect(sha256(await readFile(path.join(root, 'in', 'restart.bin')))).toBe(sha256(body));
    } finally {
      await again.close();
    }
  });

  it('tus-js-client from Node: a 1 GiB file, interrupted twice and resumed, arrives byte-exact', async () => {
    const GIB = 2 ** 30;
    const CHUNK = 16 * 2 ** 20;
    const body = randomBytesOf(GIB);
    const big = await start({ root, auth: USER, upload: 'in' }); // no --upload-max-size
    let url: string | null = null;
    const starts: number[] = [];
    /**
     * Run the client in 16 MiB PATCHes, resuming `url` if set (it asks the server where the upload stands), and
     * stop it after `chunks` of them, or run to the end with `null`.
     */
    const run = (chunks: number | null): Promise<'stopped' | 'done'> =>
      new Promise((resolve, reject) => {
        let from: number | null = null;
        let sent = 0;
        const upload = new tus.Upload(body, {
          endpoint: `${big.url}/in/`,
          uploadUrl: url,
          headers: AUTH,
          chunkSize: CHUNK,
          metadata: { filename: 'client.bin', filetype: 'application/octet-stream' },
          retryDelays: [],
          onProgress: (bytes) => {
            if (from === null) starts.push((from = bytes));
          },
          onChunkComplete: () => {
            if (chunks === null || ++sent < chunks) return;
            url = upload.url;
            void upload.abort().then(() => resolve('stopped'));
          },
          onSuccess: () => resolve('done'),
          onError: reject,
        });
        upload.start();
      });
    try {
      // Cut off at 320 MiB, then at 640 MiB; the third run finishes.
      for (const expected of [20 * CHUNK, 40 * CHUNK]) {
        expect(await run(20)).toBe('stopped');
        expect(url).toMatch(/\/\.aqua\/upload\/[0-9a-f]{32}$/);
        expect(await offsetOf(new URL(url as unknown as string).pathname, big.port)).toBe(expected);
        expect(await readdir(path.join(root, 'in'))).not.toContain('client.bin');
      }
      expect(await run(null)).toBe('done');
      expect(starts).toEqual([0, 20 * CHUNK, 40 * CHUNK]); // each run resumed where the last one stopped
      expect(await sha256File(path.join(root, 'in', 'client.bin'))).toBe(sha256(body));
    } finally {
      await big.close();
      await rm(path.join(root, 'in', 'client.bin'), { force: true });
    }
  }, 300_000);
});
