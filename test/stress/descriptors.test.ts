// Descriptor exhaustion, with the real limit: the server runs under `ulimit -n 4096`, and 2,100 clients
// start downloads and then never read (each holds a socket and, without a budget, a file: 4,200 > 4,096).
// New clients must still get an answer — a download or a quick 503 with Retry-After — never a connection
// closed without a word; stalled downloads give up their file and take it back when their client reads on.
// And 2,000 slow readers of 500 distinct files each get their first bytes promptly.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHash, pool, startScript, type Child } from './support.js';

const MiB = 1024 * 1024;

/** A download whose client reads the status line and headers, then stops reading (or reads on when told). */
interface Stalled {
  readonly socket: net.Socket;
  /** Status code, or 0 when the connection closed (or timed out) without an answer. */
  readonly status: number;
  readonly retryAfter: boolean;
  /** Resolves with the body bytes received once the client reads to the end (see {@link readOn}). */
  readOn(expected: number, timeoutMs: number): Promise<number>;
}

function stall(port: number, target: string, timeoutMs = 10_000): Promise<Stalled> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = Buffer.alloc(0);
    let bodyBytes = 0;
    let answered = false;
    let onData: ((n: number) => void) | null = null;
    const timer = setTimeout(() => finish(0, false), timeoutMs);
    const finish = (status: number, retryAfter: boolean): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      if (status > 0) socket.pause(); // from here on the client does not read
      resolve({
        socket,
        status,
        retryAfter,
        readOn: (expected, ms) =>
          new Promise((done) => {
            const t = setTimeout(() => done(bodyBytes), ms);
            onData = () => {
              if (bodyBytes >= expected) {
                clearTimeout(t);
                done(bodyBytes);
              }
            };
            socket.once('close', () => done(bodyBytes));
            socket.resume();
            onData(0);
          }),
      });
    };
    socket.on('data', (d: Buffer) => {
      if (answered) {
        bodyBytes += d.length;
        onData?.(d.length);
        return;
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = head.subarray(0, end).toString('latin1');
      bodyBytes = head.length - end - 4;
      finish(Number(text.slice(9, 12)) || 0, /\r\nretry-after: \d+/i.test(text));
    });
    socket.once('close', () => finish(0, false));
    socket.once('error', () => undefined);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

describe('descriptor exhaustion under ulimit -n 4096', () => {
  let dir: string;
  let server: Child;
  const FILES = 20;
  const SIZE = 64 * MiB;
  const stalled: Stalled[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-fds-'));
    for (let i = 0; i < FILES; i++) {
      writeFileSync(path.join(dir, `big-${i}.bin`), '');
      truncateSync(path.join(dir, `big-${i}.bin`), SIZE); // sparse: no disk, real descriptors
    }
    writeFileSync(path.join(dir, 'tiny.txt'), 'hello, aqua!\n');
    server = await startScript({ root: dir }, 4096);
  });

  afterAll(() => {
    for (const s of stalled) s.socket.destroy();
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('2,100 stalled downloads: every client is answered, new ones too, and stalled ones resume', async () => {
    const opened = await pool(2_100, 100, (i) => stall(server.port, `/big-${i % FILES}.bin`));
    stalled.push(...opened);
    // Every stalled client got an answer: its download, or a 503 that says when to retry.
    const unanswered = opened.filter((s) => s.status === 0).length;
    const refusedWithoutRetry = opened.filter((s) => s.status === 503 && !s.retryAfter).length;
    expect({ unanswered, refusedWithoutRetry }).toEqual({ unanswered: 0, refusedWithoutRetry: 0 });
    expect(opened.filter((s) => s.status !== 200 && s.status !== 503)).toHaveLength(0);
    expect(opened.filter((s) => s.status === 200).length).toBeGreaterThan(1_000);
    expect(server.fds()).toBeLessThan(4_000);

    // Once the stalled ones have idled, new clients get their files (the stalled ones' handles are taken back).
    await new Promise((r) => setTimeout(r, 1_500));
    const started = Date.now();
    const fresh = await Promise.all(Array.from({ length: 20 }, (_, i) => stall(server.port, `/big-${i % FILES}.bin`)));
    const tiny = await fetchHash(server.port, '/tiny.txt', {}, 5_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(tiny.status).toBe(200);
    expect(fresh.map((s) => s.status)).toEqual(fresh.map(() => 200));
    stalled.push(...fresh);
    expect(server.fds()).toBeLessThan(4_000);

    // A stalled download whose client reads on gets its file back (same file: identity checked) and completes.
    const resumed = opened.filter((s) => s.status === 200).slice(0, 3);
    const bytes = await Promise.all(resumed.map((s) => s.readOn(SIZE, 30_000)));
    expect(bytes).toEqual([SIZE, SIZE, SIZE]);
  }, 120_000);
});

describe('2,000 slow readers of 500 distinct 20 MiB files', () => {
  let dir: string;
  let server: Child;
  const readers: Stalled[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-slow-'));
    for (let i = 0; i < 500; i++) {
      writeFileSync(path.join(dir, `f-${i}.bin`), '');
      truncateSync(path.join(dir, `f-${i}.bin`), 20 * MiB);
    }
    server = await startScript({ root: dir }, 4096);
  });

  afterAll(() => {
    for (const r of readers) r.socket.destroy();
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  // Before: about 550 answered, the rest never. The bound is loose because most of the time goes to copying
  // the first megabytes of every answer into 2,000 socket buffers: 15 s measured on this 2-core machine
  // with a load average near 19 (other suites running).
  it('every one is answered (its first bytes, or a 503 with Retry-After), none is left without an answer', async () => {
    const started = Date.now();
    const answered = await pool(2_000, 2_000, (i) => stall(server.port, `/f-${i % 500}.bin`, 30_000));
    readers.push(...answered);
    const unanswered = answered.filter((r) => r.status === 0).length;
    expect(unanswered).toBe(0);
    expect(answered.filter((r) => r.status !== 200 && !(r.status === 503 && r.retryAfter))).toHaveLength(0);
    expect(answered.filter((r) => r.status === 200).length).toBeGreaterThan(1_000);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
