import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { ServerResponse } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BlockCache } from '../src/fs/cache/blocks.js';
import { InFlightBudget, MAX_CHUNK, inFlight } from '../src/respond/budget.js';
import { RUNS_AFTER_BYTES } from '../src/respond/body.js';
import { sleep, start, tempDir, type Running } from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('InFlightBudget: chunk size by load', () => {
  // maxBytes 32 MiB, maxChunk 1 MiB, 64 KiB blocks: each body may hold two chunks.
  const table: { streaming: number; blocks: number; why: string }[] = [
    { streaming: 1, blocks: 16, why: 'alone: the largest chunk' },
    { streaming: 16, blocks: 16, why: '16 × 2 × 1 MiB is the whole budget' },
    { streaming: 17, blocks: 8, why: 'one more: half the chunk (a power of two)' },
    { streaming: 64, blocks: 4, why: '256 KiB each' },
    { streaming: 256, blocks: 1, why: '64 KiB each: one block, the cache alone' },
    { streaming: 1000, blocks: 1, why: 'never less than one block' },
  ];
  it.each(table)('$streaming bodies streaming → $blocks blocks per read ($why)', ({ streaming, blocks }) => {
    const budget = new InFlightBudget({ maxBytes: 32 * MiB, maxChunk: MiB });
    const leases = Array.from({ length: streaming }, () => budget.open());
    expect(leases[0].blocksPerRead(64 * KiB)).toBe(blocks);
    expect(budget.reserved).toBe(blocks > 1 ? 2 * blocks * 64 * KiB : 0);
    for (const lease of leases) lease.close();
    expect(budget.active).toBe(0);
    expect(budget.reserved).toBe(0);
  });

  it('never reserves past its maximum: a body that arrives when the others hold it all gets one block', () => {
    const budget = new InFlightBudget({ maxBytes: 4 * MiB, maxChunk: MiB });
    const [a, b, c] = [budget.open(), budget.open(), budget.open()];
    // Three streaming: the fair share is 4 MiB / 6 → 512 KiB. a and b reserve 2 × 512 KiB each…
    expect(a.blocksPerRead(64 * KiB)).toBe(8);
    expect(b.blocksPerRead(64 * KiB)).toBe(8);
    expect(budget.reserved).toBe(2 * MiB);
    c.close(); // c ended before reading; a third body arrives: the share is 512 KiB again, 2 MiB are free
    const late = budget.open();
    expect(late.blocksPerRead(64 * KiB)).toBe(8);
    expect(budget.reserved).toBe(3 * MiB);
    const burst = Array.from({ length: 100 }, () => budget.open());
    for (const lease of burst) expect(lease.blocksPerRead(64 * KiB)).toBe(1);
    expect(budget.reserved).toBe(3 * MiB); // nothing more was reserved for the burst
    // A body asking again under the new load gives back what it no longer may hold.
    expect(a.blocksPerRead(64 * KiB)).toBe(1);
    expect(budget.reserved).toBe(2 * MiB);
    for (const lease of [a, b, late, ...burst]) lease.close();
    expect(budget.reserved).toBe(0);
  });

  it('shrinks a chunk to fit what is left of the budget', () => {
    const budget = new InFlightBudget({ maxBytes: 4 * MiB, maxChunk: MiB });
    const [a, b] = [budget.open(), budget.open()];
    expect(a.blocksPerRead(64 * KiB)).toBe(16); // alone in effect: 2 × 1 MiB
    const c = budget.open();
    expect(b.blocksPerRead(64 * KiB)).toBe(8); // fair share 512 KiB: 1 MiB more, 3 MiB in all
    // c's fair share is 512 KiB too, but only 1 MiB is left: 2 × 512 KiB fits exactly.
    expect(c.blocksPerRead(64 * KiB)).toBe(8);
    expect(budget.reserved).toBe(4 * MiB);
    const d = budget.open();
    expect(d.blocksPerRead(64 * KiB)).toBe(1); // nothing left: one cache block, reserving nothing
    for (const lease of [a, b, c, d]) lease.close();
    expect(budget.reserved).toBe(0);
  });

  it('a closed lease is closed once: closing twice releases nothing more', () => {
    const budget = new InFlightBudget({ maxBytes: 8 * MiB, maxChunk: MiB });
    const a = budget.open();
    const b = budget.open();
    b.blocksPerRead(64 * KiB);
    a.close();
    a.close();
    expect(budget.active).toBe(1);
    expect(a.blocksPerRead(64 * KiB)).toBe(1);
    b.close();
    expect(budget.reserved).toBe(0);
  });
});

describe('a stalled reader over a real socket', () => {
  const SIZE = 64 * MiB; // larger than a quarter of the cache: read in runs, not cached
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: Running;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('aqua-budget-'));
    const content = Buffer.alloc(SIZE);
    for (let i = 0; i < SIZE; i += 4) content.writeUInt32LE(i, i); // every offset distinct: misplaced bytes show
    await writeFile(path.join(dir, 'big.bin'), content);
    server = await start({ root: dir });
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('holds at most its budgeted bytes (the chunk the socket holds and one read ahead), then releases them', async () => {
    const runs = vi.spyOn(BlockCache.prototype, 'getRun');
    const blocks = vi.spyOn(BlockCache.prototype, 'get');
    let response: ServerResponse | undefined;
    server.aqua.server.prependListener('request', (_req, res: ServerResponse) => (response = res));
    const client = net.connect(server.port, '127.0.0.1');
    client.once('error', () => undefined);
    client.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    client.pause(); // never reads: the kernel's buffers fill, then the server's
    try {
      await settled(() => response?.socket?.bytesWritten ?? 0);
      const socket = response?.socket;
      if (!socket) throw new Error('no response');
      const read = (await Promise.all([...runs.mock.results, ...blocks.mock.results].map((r) => r.value))).reduce(
        (sum: number, b: Buffer) => sum + b.length,
        0,
      );
      // What the server has read from the file but not handed to the kernel: `dispatched` counts the
      // response head too (< 1 KiB), so `held` is short by that much at most.
      const dispatched = socket.bytesWritten - socket.writableLength;
      const held = read - dispatched;
      expect(read).toBeLessThan(SIZE); // it stopped reading
      expect(held).toBeGreaterThan(0);
      expect(held).toBeLessThanOrEqual(2 * MAX_CHUNK);
      expect(inFlight.active).toBe(1);
      expect(inFlight.reserved).toBeLessThanOrEqual(2 * MAX_CHUNK);
    } finally {
      client.destroy();
    }
    expect(await until(() => inFlight.active === 0, 5_000)).toBe(true);
    expect(inFlight.reserved).toBe(0);
  });
});

/** Wait until `probe` stops changing for 300 ms (at most 10 s). */
async function settled(probe: () => number): Promise<void> {
  let last = -1;
  for (let t = 0; t < 10_000; t += 300) {
    await sleep(300);
    const now = probe();
    if (now === last && now > 0) return;
    last = now;
  }
  throw new Error('the server never stopped writing');
}

async function until(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  for (let t = 0; t < timeoutMs; t += 50) {
    if (probe()) return true;
    await sleep(50);
  }
  return probe();
}

describe('large files read in runs through the buffer pool', () => {
  const SIZE = 40 * MiB + 12_345;
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: Running;
  let digest: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('aqua-pool-'));
    const content = Buffer.alloc(SIZE);
    for (let i = 0; i + 4 <= SIZE; i += 4) content.writeUInt32LE(i, i);
    digest = createHash('sha256').update(content).digest('hex');
    await writeFile(path.join(dir, 'big.bin'), content);
    server = await start({ root: dir });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('reads block by block until the client has taken RUNS_AFTER_BYTES, then in runs', async () => {
    const content = Buffer.alloc(RUNS_AFTER_BYTES + 8 * MiB);
    for (let i = 0; i + 4 <= content.length; i += 4) content.writeUInt32LE(i, i);
    await writeFile(path.join(dir, 'fresh.bin'), content);
    const runs = vi.spyOn(BlockCache.prototype, 'getRun');
    const blocks = vi.spyOn(BlockCache.prototype, 'get');
    try {
      const body = await download(server.port, '/fresh.bin');
      expect(body.digest).toBe(createHash('sha256').update(content).digest('hex'));
      expect(runs).toHaveBeenCalled();
      const firstRun = Math.min(...runs.mock.invocationCallOrder);
      const before = blocks.mock.invocationCallOrder.filter((order) => order < firstRun).length;
      expect(before).toBe(RUNS_AFTER_BYTES / (64 * KiB));
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('reads a 1 MiB range (a player seeking) in one run, and writes it block by block', async () => {
    const runs = vi.spyOn(BlockCache.prototype, 'getRun');
    const blocks = vi.spyOn(BlockCache.prototype, 'get');
    const writes: number[] = [];
    const write = http.ServerResponse.prototype.write;
    vi.spyOn(http.ServerResponse.prototype, 'write').mockImplementation(function (
      this: ServerResponse,
      ...args: Parameters<ServerResponse['write']>
    ) {
      if (Buffer.isBuffer(args[0])) writes.push(args[0].length);
      return write.apply(this, args);
    } as ServerResponse['write']);
    try {
      const at = 7 * MiB + 4096; // not block-aligned: 17 blocks hold the range
      const ranged = await download(server.port, '/big.bin', `bytes=${at}-${at + MiB - 1}`);
      expect(ranged.length).toBe(MiB);
      expect(ranged.first.readUInt32LE(0)).toBe(at);
      // 16 blocks at once (1 MiB, the largest run), then the 17th (unless an earlier test left it cached).
      expect(runs).toHaveBeenCalled();
      expect(runs.mock.calls[0]?.[3]).toBe(16);
      expect(runs.mock.calls.length + blocks.mock.calls.length).toBeLessThanOrEqual(2);
      expect(Math.max(...writes)).toBeLessThanOrEqual(64 * KiB);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('sends every byte in place to concurrent downloads, whole and ranged (reused buffers never mix)', async () => {
    const whole = await Promise.all([1, 2, 3].map(() => download(server.port, '/big.bin')));
    for (const body of whole) expect(body.digest).toBe(digest);
    const ranged = await download(server.port, '/big.bin', 'bytes=1000-30000000');
    expect(ranged.length).toBe(30_000_000 - 1000 + 1);
    const first = ranged.first;
    expect(first.readUInt32LE(0)).toBe(1000); // offset 1000 holds the number 1000
  });
});

/** GET over a real socket; the body's SHA-256, length and first bytes. */
function download(
  port: number,
  urlPath: string,
  range?: string,
): Promise<{ digest: string; length: number; first: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', path: urlPath, headers: range ? { range } : {} }, (res) => {
      const hash = createHash('sha256');
      let length = 0;
      let first: Buffer = Buffer.alloc(0);
      res.on('data', (d: Buffer) => {
        if (first.length < 16) first = Buffer.concat([first, d]).subarray(0, 16);
        hash.update(d);
        length += d.length;
      });
      res.on('end', () => resolve({ digest: hash.digest('hex'), length, first }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
