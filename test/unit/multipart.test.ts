import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileRepresentation } from '../../src/respond/representation.js';
import { multipartBody as sendsMultipart } from '../../src/respond/send.js';
import { BlockCache } from '../../src/fs/cache/blocks.js';
import { planMultipart, randomBoundary, type MultipartPlan } from '../../src/http/multipart.js';
import type { ByteRange } from '../../src/http/range.js';
import { boundaryOf, parseByteranges } from '../support/byteranges.js';

const FILE = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 251));
let dir = '';
let filePath = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'aqua-multipart-'));
  filePath = path.join(dir, 'data.bin');
  await writeFile(filePath, FILE);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The body as src/respond/send.ts builds it: one file representation, the plan's framing, 1 KiB chunks. */
async function multipartBody(plan: MultipartPlan): Promise<AsyncGenerator<Buffer>> {
  const fh = await open(filePath, 'r');
  const file = { fh, abs: filePath, stat: await fh.stat(), type: 'application/octet-stream' };
  const rep = fileRepresentation(file, new BlockCache({ blockSize: 1024, maxBytes: 0 }));
  return (async function* () {
    try {
      yield* sendsMultipart(rep, plan);
    } finally {
      await rep.close();
    }
  })();
}

async function collect(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('planMultipart', () => {
  it('lays out the RFC 9110 §14.6 example byte for byte', async () => {
    const plan = planMultipart({
      ranges: [
        { start: 0, end: 2 },
        { start: 10, end: 11 },
      ],
      size: 1000,
      contentType: 'video/mp4',
      boundary: 'B',
    });
    const expected = Buffer.concat([
      Buffer.from('--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-2/1000\r\n\r\n'),
      FILE.subarray(0, 3),
      Buffer.from('\r\n--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 10-11/1000\r\n\r\n'),
      FILE.subarray(10, 12),
      Buffer.from('\r\n--B--\r\n'),
    ]);
    const body = await collect(await multipartBody(plan));
    expect(body.equals(expected)).toBe(true);
    expect(plan.contentLength).toBe(expected.length);
    expect(plan.contentType).toBe('multipart/byteranges; boundary=B');
  });

  it.each<[string, ByteRange[], string | null]>([
    [
      'two ranges',
      [
        { start: 0, end: 0 },
        { start: 999, end: 999 },
      ],
      'application/octet-stream',
    ],
    [
      'ranges out of order',
      [
        { start: 500, end: 899 },
        { start: 0, end: 99 },
      ],
      'text/plain; charset=utf-8',
    ],
    [
      'three ranges, no content type',
      [
        { start: 1, end: 1 },
        { start: 3, end: 30 },
        { start: 100, end: 999 },
      ],
      null,
    ],
  ])('%s: Content-Length is exact and parts parse back byte for byte', async (_name, ranges, contentType) => {
    const plan = planMultipart({ ranges, size: FILE.length, contentType });
    const body = await collect(await multipartBody(plan));
    expect(body.length).toBe(plan.contentLength);
    const parts = parseByteranges(body, boundaryOf(plan.contentType));
    expect(parts.map((part) => part.headers)).toEqual(
      ranges.map((range) => ({
        ...(contentType === null ? {} : { 'content-type': contentType }),
        'content-range': `bytes ${range.start}-${range.end}/${FILE.length}`,
      })),
    );
    parts.forEach((part, i) => {
      const range = ranges[i] as ByteRange;
      expect(part.body.equals(FILE.subarray(range.start, range.end + 1))).toBe(true);
    });
  });

  it('draws a fresh random boundary each time', () => {
    const a = randomBoundary();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(randomBoundary()).not.toBe(a);
  });
});
