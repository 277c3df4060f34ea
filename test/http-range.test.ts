import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundaryOf, parseByteranges } from './support/byteranges.js';
import { openFds, request, sleep, start, type RawResponse as Reply, type Running } from './helpers.js';

const SIZE = 10_000;
/** Bytes that differ at every offset mod 251, so a shifted range cannot compare equal by chance. */
const DATA = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 13 + 7) % 251));
const MTIME_S = Date.UTC(2026, 0, 15, 12, 0, 0) / 1000 + 0.5;
const LAST_MODIFIED = 'Thu, 15 Jan 2026 12:00:00 GMT';

let dir = '';
let server: Running;
let etag = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aqua-range-'));
  await writeFile(path.join(dir, 'data.bin'), DATA);
  await writeFile(path.join(dir, 'empty.txt'), '');
  await utimes(path.join(dir, 'data.bin'), MTIME_S, MTIME_S);
  server = await start({ root: dir });
  const head = await request(server.port, '/data.bin', { method: 'HEAD' });
  if (typeof head.headers.etag !== 'string') throw new Error('HEAD /data.bin answered no ETag');
  etag = head.headers.etag;
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

type Expect =
  | { status: 200 }
  | { status: 206; range: [number, number] }
  | { status: 206; parts: [number, number][] }
  | { status: 416 };

function check(reply: Reply, expected: Expect, size = SIZE, data = DATA): void {
  expect(reply.status).toBe(expected.status);
  expect(reply.headers['accept-ranges']).toBe('bytes');
  if (expected.status === 200) {
    expect(reply.headers['content-range']).toBeUndefined();
    expect(reply.headers['content-length']).toBe(String(size));
    expect(reply.body.equals(data)).toBe(true);
  } else if (expected.status === 416) {
    expect(reply.headers['content-range']).toBe(`bytes */${size}`);
  } else if ('range' in expected) {
    const [start, end] = expected.range;
    expect(reply.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    expect(reply.headers['content-length']).toBe(String(end - start + 1));
    expect(reply.body.equals(data.subarray(start, end + 1))).toBe(true);
  } else {
    expect(reply.headers['content-range']).toBeUndefined();
    expect(reply.headers['content-length']).toBe(String(reply.body.length));
    const parts = parseByteranges(reply.body, boundaryOf(String(reply.headers['content-type'])));
    expect(parts.map((part) => part.headers['content-range'])).toEqual(
      expected.parts.map(([s, e]) => `bytes ${s}-${e}/${size}`),
    );
    parts.forEach((part, i) => {
      const [start, end] = expected.parts[i] ?? [0, -1];
      expect(part.headers['content-type']).toBe('application/octet-stream');
      expect(part.body.equals(data.subarray(start, end + 1))).toBe(true);
    });
  }
}

const manyRanges = (count: number, from: number): string =>
  'bytes=' + Array.from({ length: count }, (_, i) => `${from + i * 2}-${from + i * 2}`).join(',');

describe('Range on a 10000-byte file', () => {
  it.each<[string, string, Expect]>([
    ['0-0 is one byte', 'bytes=0-0', { status: 206, range: [0, 0] }],
    ['0-99', 'bytes=0-99', { status: 206, range: [0, 99] }],
    ['-1 is the last byte', 'bytes=-1', { status: 206, range: [9999, 9999] }],
    ['-500 is the last 500 bytes', 'bytes=-500', { status: 206, range: [9500, 9999] }],
    ['-N larger than the file is all of it', 'bytes=-20000', { status: 206, range: [0, 9999] }],
    ['N- to the end', 'bytes=9000-', { status: 206, range: [9000, 9999] }],
    ['0- is all of it, as a 206', 'bytes=0-', { status: 206, range: [0, 9999] }],
    ['end past size is clamped', 'bytes=9990-20000', { status: 206, range: [9990, 9999] }],
    ['last byte exactly', 'bytes=9999-9999', { status: 206, range: [9999, 9999] }],
    ['start at size', 'bytes=10000-10001', { status: 416 }],
    ['start past size', 'bytes=20000-', { status: 416 }],
    ['-0 asks for nothing', 'bytes=-0', { status: 416 }],
    ['bytes= empty is ignored', 'bytes=', { status: 200 }],
    ['space inside a spec is ignored', 'bytes=0 - 9', { status: 200 }],
    [
      'spaces after commas are fine',
      'bytes=0-1, 5-6',
      {
        status: 206,
        parts: [
          [0, 1],
          [5, 6],
        ],
      },
    ],
    ['leading space in the set is fine', 'bytes= 5-9', { status: 206, range: [5, 9] }],
    ['5-2 is invalid and ignored', 'bytes=5-2', { status: 200 }],
    ['other units are ignored', 'items=0-5', { status: 200 }],
    ['garbage is ignored', 'bytes=abc', { status: 200 }],
    ['unit is case-insensitive', 'Bytes=0-4', { status: 206, range: [0, 4] }],
    [
      'two ranges → multipart',
      'bytes=0-0,-1',
      {
        status: 206,
        parts: [
          [0, 0],
          [9999, 9999],
        ],
      },
    ],
    [
      'parts keep the requested order',
      'bytes=500-599,0-99',
      {
        status: 206,
        parts: [
          [500, 599],
          [0, 99],
        ],
      },
    ],
    [
      'three ranges with an empty element',
      'bytes=1-1,,3-30,100-',
      {
        status: 206,
        parts: [
          [1, 1],
          [3, 30],
          [100, 9999],
        ],
      },
    ],
    ['unsatisfiable ranges are dropped', 'bytes=0-9,20000-30000', { status: 206, range: [0, 9] }],
    ['overlapping ranges coalesce into one', 'bytes=0-99,50-149', { status: 206, range: [0, 149] }],
    ['adjacent ranges coalesce into one', 'bytes=0-99,100-199', { status: 206, range: [0, 199] }],
    ['the whole file twice is not served twice', 'bytes=0-,0-', { status: 200 }],
    ['overlaps adding up past the size', 'bytes=0-5999,4000-', { status: 200 }],
    [
      '50 ranges are served',
      manyRanges(50, 0),
      { status: 206, parts: Array.from({ length: 50 }, (_, i): [number, number] => [i * 2, i * 2]) },
    ],
    ['200 ranges → whole file', manyRanges(200, 0), { status: 200 }],
    ['200 ranges past the end → 416', manyRanges(200, 20000), { status: 416 }],
  ])('%s: %s', async (_name, range, expected) => {
    check(await request(server.port, '/data.bin', { headers: { range } }), expected);
  });
});

describe('If-Range', () => {
  it.each<[string, () => string, Expect]>([
    ['strong tag that matches → range', () => etag, { status: 206, range: [10, 19] }],
    ['weak tag never matches → whole', () => `W/${etag}`, { status: 200 }],
    ['stale tag → whole', () => '"0-0"', { status: 200 }],
    ['date equal to Last-Modified → range', () => LAST_MODIFIED, { status: 206, range: [10, 19] }],
    ['date one second later → whole', () => 'Thu, 15 Jan 2026 12:00:01 GMT', { status: 200 }],
    ['invalid date → whole', () => 'yesterday', { status: 200 }],
  ])('%s', async (_name, ifRange, expected) => {
    check(
      await request(server.port, '/data.bin', { headers: { range: 'bytes=10-19', 'if-range': ifRange() } }),
      expected,
    );
  });

  it('If-Range without Range is ignored: 200', async () => {
    check(await request(server.port, '/data.bin', { headers: { 'if-range': '"0-0"' } }), { status: 200 });
  });
});

describe('empty file and HEAD', () => {
  it.each<[string, string, number, string | undefined]>([
    ['0-0 on an empty file → 416', 'bytes=0-0', 416, 'bytes */0'],
    ['0- on an empty file → 416', 'bytes=0-', 416, 'bytes */0'],
    ['-5 on an empty file → 200 empty', 'bytes=-5', 200, undefined],
  ])('%s', async (_name, range, status, contentRange) => {
    const reply = await request(server.port, '/empty.txt', { headers: { range } });
    expect(reply.status).toBe(status);
    expect(reply.headers['content-range']).toBe(contentRange);
    if (status === 200) {
      expect(reply.headers['content-length']).toBe('0');
      expect(reply.body.length).toBe(0);
    }
  });

  // RFC 9110 §9.3.2: HEAD answers the headers GET would, Content-Length included, and no content.
  it.each<[string, () => Record<string, string>]>([
    ['no Range → 200', () => ({})],
    ['one range → 206', () => ({ range: 'bytes=100-199' })],
    ['no satisfiable range → 416', () => ({ range: 'bytes=20000-' })],
    ['If-Range that matches → 206', () => ({ range: 'bytes=10-19', 'if-range': etag })],
    ['If-Range that is stale → 200', () => ({ range: 'bytes=10-19', 'if-range': '"0-0"' })],
    ['If-None-Match that matches → 304', () => ({ 'if-none-match': etag })],
    ['If-Match that fails → 412', () => ({ 'if-match': '"0-0"' })],
  ])('HEAD answers what GET does, without the body: %s', async (_name, headers) => {
    const get = await request(server.port, '/data.bin', { headers: headers() });
    const head = await request(server.port, '/data.bin', { method: 'HEAD', headers: headers() });
    const fields = ['content-length', 'content-range', 'content-type', 'etag', 'last-modified', 'accept-ranges'];
    const pick = (reply: Reply): Record<string, unknown> =>
      Object.fromEntries([['status', reply.status], ...fields.map((name) => [name, reply.headers[name]])]);
    expect(pick(head)).toEqual(pick(get));
    expect(head.body.length).toBe(0);
  });

  it('HEAD with a range answers the 206 headers without a body', async () => {
    const reply = await request(server.port, '/data.bin', { method: 'HEAD', headers: { range: 'bytes=100-199' } });
    expect(reply.status).toBe(206);
    expect(reply.headers['content-range']).toBe(`bytes 100-199/${SIZE}`);
    expect(reply.headers['content-length']).toBe('100');
    expect(reply.body.length).toBe(0);
  });

  it('HEAD with two ranges announces the multipart length it would send', async () => {
    const range = 'bytes=0-0,-1';
    const head = await request(server.port, '/data.bin', { method: 'HEAD', headers: { range } });
    const get = await request(server.port, '/data.bin', { headers: { range } });
    expect(head.status).toBe(206);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(String(head.headers['content-type'])).toMatch(/^multipart\/byteranges; boundary=/);
  });

  it('each multipart response has its own boundary', async () => {
    const a = await request(server.port, '/data.bin', { headers: { range: 'bytes=0-0,-1' } });
    const b = await request(server.port, '/data.bin', { headers: { range: 'bytes=0-0,-1' } });
    expect(a.headers['content-type']).not.toBe(b.headers['content-type']);
  });
});

describe('client resets during a 206', () => {
  const BIG = 16 * 1024 * 1024;
  it.each<[string, string]>([
    ['single range', 'bytes=1000-'],
    ['multipart/byteranges', 'bytes=0-5000000,6000000-'],
  ])('%s: the one file handle is closed and the server keeps serving', async (_name, range) => {
    await writeFile(path.join(dir, 'big.bin'), Buffer.alloc(BIG, 3));
    await request(server.port, '/data.bin');
    const idle = await openFds();
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(server.port, '127.0.0.1', () =>
          socket.write(`GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: ${range}\r\n\r\n`),
        );
        let got = 0;
        socket.on('data', (chunk: Buffer) => {
          got += chunk.length;
          if (got > 200_000 * (i + 1)) socket.resetAndDestroy();
        });
        socket.on('close', () => resolve());
        socket.on('error', () => undefined);
      });
    }
    const deadline = Date.now() + 3000;
    while ((await openFds()) > idle && Date.now() < deadline) await sleep(50);
    expect(await openFds()).toBeLessThanOrEqual(idle);
    check(await request(server.port, '/data.bin', { headers: { range: 'bytes=0-0,-1' } }), {
      status: 206,
      parts: [
        [0, 0],
        [9999, 9999],
      ],
    });
  });
});
