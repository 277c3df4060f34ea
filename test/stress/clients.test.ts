import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHash, patternBytes, pool, sha256, startCli, startScript, waitFor, type Child } from './support.js';

const BIG = 13 * 1024 * 1024;

/** A small deterministic PRNG (mulberry32), so a failing storm can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type AbortPoint = 'before-request-end' | 'before-headers' | 'mid-body' | 'backpressure';

/** One download of `/big.bin` over a raw socket, abandoned at `point` with a FIN or an RST. */
function abortedDownload(
  port: number,
  point: AbortPoint,
  afterBytes: number,
  pauseMs: number,
  rst: boolean,
): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const kill = (): void => {
      if (rst) socket.resetAndDestroy();
      else socket.destroy();
    };
    const timer = setTimeout(kill, 10_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', () => undefined);
    socket.once('connect', () => {
      if (point === 'before-request-end') {
        socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n');
        return void setImmediate(kill);
      }
      socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      if (point === 'before-headers') return void setImmediate(kill);
      let seen = 0;
      socket.on('data', (d: Buffer) => {
        seen += d.length;
        if (seen < afterBytes) return;
        socket.removeAllListeners('data');
        if (point === 'mid-body') return kill();
        socket.pause(); // the server's writes fill the buffers and it waits for 'drain'
        setTimeout(kill, pauseMs);
      });
    });
  });
}

describe('misbehaving clients', () => {
  let dir: string;
  let server: Child;
  let idleFds: number;
  let bigHash: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-clients-'));
    const big = patternBytes(BIG, 3);
    bigHash = sha256(big);
    writeFileSync(path.join(dir, 'big.bin'), big);
    writeFileSync(path.join(dir, 'tiny.txt'), 'hello, aqua!\n');
    server = await startScript({ root: dir, timeouts: { keepAliveMs: 1_000 } });
    await fetchHash(server.port, '/tiny.txt');
    await fetchHash(server.port, '/big.bin');
    await waitFor(() => false, 200);
    idleFds = server.fds();
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reset storm: 1500 downloads aborted at random points leak no descriptor, and the server still serves', async () => {
    const random = prng(20261126);
    const points: AbortPoint[] = ['before-request-end', 'before-headers', 'mid-body', 'backpressure'];
    const rssBefore = server.rssMiB();
    await pool(1500, 100, () => {
      const point = points[Math.floor(random() * points.length)];
      return abortedDownload(
        server.port,
        point,
        Math.floor(random() * 2 * 1024 * 1024),
        20 + Math.floor(random() * 150),
        random() < 0.5,
      );
    });
    const settled = await waitFor(() => server.fds() <= idleFds, 10_000);
    expect({ fds: server.fds(), settled }).toEqual({ fds: expect.any(Number) as number, settled: true });
    expect(server.rssMiB() - rssBefore).toBeLessThan(80);
    const after = await fetchHash(server.port, '/big.bin');
    expect(after).toMatchObject({ status: 200, complete: true, bytes: BIG, sha256: bigHash });
    expect(server.proc.exitCode).toBe(null);
  }, 60_000);

  it('a client that pipelines 5000 downloads and reads nothing costs bounded memory, and its reset frees everything', async () => {
    const rssBefore = server.rssMiB();
    const socket = net.connect(server.port, '127.0.0.1');
    socket.once('error', () => undefined);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(5000));
    socket.pause();
    await new Promise((r) => setTimeout(r, 1_500));
    // The server handles 32 pipelined requests of a connection at a time, and closes one that has
    // over a thousand waiting: 5000 open files and 5000 buffered chunks never happen.
    expect(server.rssMiB() - rssBefore).toBeLessThan(60);
    socket.resetAndDestroy();
    expect(await waitFor(() => server.fds() <= idleFds, 5_000)).toBe(true);
  }, 20_000);

  it('slow readers: 100 clients that stop reading do not grow server memory by the file sizes', async () => {
    const rssBefore = server.rssMiB();
    const sockets: net.Socket[] = [];
    let received = 0;
    await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<void>((resolve) => {
            const socket = net.connect(server.port, '127.0.0.1', () => {
              socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
            });
            socket.once('error', () => undefined);
            socket.once('data', (d: Buffer) => {
              received += d.length;
              socket.pause(); // read nothing more
              resolve();
            });
            sockets.push(socket);
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const grown = server.rssMiB() - rssBefore;
    // Without backpressure the server would buffer up to 100 × 13 MiB; with it, about a chunk each.
    expect(grown).toBeLessThan(100);
    expect(received).toBeGreaterThan(0);
    for (const s of sockets) s.destroy();
    expect(await waitFor(() => server.fds() <= idleFds, 5_000)).toBe(true);
  }, 30_000);
});

describe('idle-send timeout', () => {
  let dir: string;
  let server: Child;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-send-'));
    writeFileSync(path.join(dir, 'big.bin'), patternBytes(BIG, 5));
    server = await startScript({ root: dir, timeouts: { sendMs: 1_000 } });
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops a client that reads nothing, keeps one that reads slowly but steadily', async () => {
    // The stalled client cannot see the server's FIN while it is not reading, so it stops for 3.5 s
    // (well past the 1 s timeout), then reads on: a dropped connection ends long before the file does.
    const stalled = net.connect(server.port, '127.0.0.1');
    stalled.once('error', () => undefined);
    stalled.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    let stalledBytes = 0;
    stalled.on('data', (d: Buffer) => (stalledBytes += d.length));
    stalled.once('data', () => {
      stalled.pause();
      setTimeout(() => stalled.resume(), 3_500);
    });
    const stalledEnd = new Promise<void>((resolve) => stalled.once('close', () => resolve()));

    const steady = net.connect(server.port, '127.0.0.1');
    steady.once('error', () => undefined);
    let steadyClosed = false;
    let steadyBytes = 0;
    steady.once('close', () => (steadyClosed = true));
    steady.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    steady.pause();
    const reader = setInterval(() => {
      let chunk: Buffer | null;
      while ((chunk = steady.read() as Buffer | null) !== null) steadyBytes += chunk.length;
    }, 200);

    const ended = await Promise.race([
      stalledEnd.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
    ]);
    expect(ended).toBe(true);
    expect(stalledBytes).toBeLessThan(BIG);
    expect(steadyClosed).toBe(false);
    expect(steadyBytes).toBeGreaterThan(0);
    clearInterval(reader);
    steady.destroy();
  }, 20_000);
});

describe('log lines of a reset storm (the CLI at --log-level info)', () => {
  let dir: string;
  let server: Child;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-stormlog-'));
    writeFileSync(path.join(dir, 'big.bin'), patternBytes(BIG, 8));
    server = await startCli(['--log-level', 'info', dir]);
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('300 aborted downloads: one warning line each, nothing at error level, nothing on stderr', async () => {
    const random = prng(7);
    const points: AbortPoint[] = ['mid-body', 'backpressure'];
    await pool(300, 50, () =>
      abortedDownload(
        server.port,
        points[Math.floor(random() * 2)],
        Math.floor(random() * 512 * 1024),
        30,
        random() < 0.5,
      ),
    );
    // Let the server see the last resets before it stops, so each download the client reset is logged
    // as one `aborted` line (README, "Logging") before the stop's own lines.
    await new Promise((r) => setTimeout(r, 1_000));
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    const aborted = lines.filter((l) => l.msg === 'aborted');
    expect(lines.map((l) => l.msg)).toContain('stopped');
    const other = lines.filter((l) => !['aborted', 'stopping: finishing running responses', 'stopped'].includes(l.msg));
    expect({ aborted: aborted.length, other }).toEqual({ aborted: 300, other: [] });
    expect(aborted.every((l) => l.level === 40)).toBe(true);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(server.output()).not.toMatch(/Error|at .*\.js:\d+/);
  }, 30_000);
});
