import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { patternBytes, sha256, startCli, type Child } from './support.js';

const BIG = 13 * 1024 * 1024;
/**
 * Larger than a paused client's socket buffers can hold on loopback (up to tcp_rmem's 32 MiB plus the sender's
 * 4 MiB): a download of it cannot complete while its client does not read.
 */
const HUGE = 96 * 1024 * 1024;

interface Download {
  /** Resolves when the response ends or is cut. */
  done: Promise<{ bytes: number; sha256: string; complete: boolean }>;
  /** Resolves once the first body bytes arrived (the download is running). */
  started: Promise<void>;
  pause(): void;
  resume(): void;
}

function download(port: number, agent: http.Agent | false = false, file = '/big.bin'): Download {
  let pauseFn = (): void => undefined;
  let resumeFn = (): void => undefined;
  let markStarted = (): void => undefined;
  const started = new Promise<void>((r) => (markStarted = r));
  const done = new Promise<{ bytes: number; sha256: string; complete: boolean }>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: file, agent }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      pauseFn = () => res.pause();
      resumeFn = () => res.resume();
      res.on('data', (c: Buffer) => {
        if (bytes === 0) markStarted();
        bytes += c.length;
        hash.update(c);
      });
      let finished = false;
      const finish = (complete: boolean): void => {
        if (finished) return; // 'aborted' and 'error' may both come
        finished = true;
        resolve({ bytes, sha256: hash.digest('hex'), complete });
      };
      res.once('end', () => finish(true));
      res.once('aborted', () => finish(false));
      res.once('error', () => finish(false));
    });
    req.once('error', () => resolve({ bytes: 0, sha256: '', complete: false }));
  });
  return { done, started, pause: () => pauseFn(), resume: () => resumeFn() };
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('graceful stop of the CLI on SIGTERM', () => {
  let dir: string;
  let bigHash: string;
  let server: Child | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-stop-'));
    const big = patternBytes(BIG, 77);
    bigHash = sha256(big);
    writeFileSync(path.join(dir, 'big.bin'), big);
    writeFileSync(path.join(dir, 'huge.bin'), '');
    truncateSync(path.join(dir, 'huge.bin'), HUGE); // sparse
  });

  afterEach(() => server?.kill());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses new connections, lets running downloads finish, exits 0 well before the grace period ends', async () => {
    server = await startCli(['--grace', '20', '--log-level', 'warn', dir]);
    const port = server.port;
    const downloads = Array.from({ length: 20 }, () => download(port));
    await Promise.all(downloads.map((d) => d.started));
    for (const d of downloads) d.pause();
    const stopAt = Date.now();
    server.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(await connectRefused(port)).toBe(true);
    for (const d of downloads) d.resume();
    const results = await Promise.all(downloads.map((d) => d.done));
    expect(results.filter((r) => !r.complete || r.bytes !== BIG || r.sha256 !== bigHash)).toEqual([]);
    expect(await server.exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
  }, 40_000);

  it('an idle keep-alive connection does not hold the stop up', async () => {
    server = await startCli(['--grace', '20', '--log-level', 'warn', dir]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await download(server.port, agent).done;
    expect(first.complete).toBe(true);
    const stopAt = Date.now();
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(3_000);
    agent.destroy();
  }, 20_000);

  it('a kept-alive connection whose response was running is closed once that response is done', async () => {
    server = await startCli(['--grace', '20', '--log-level', 'warn', dir]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const d = download(server.port, agent);
    await d.started;
    d.pause();
    const stopAt = Date.now();
    server.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    d.resume();
    const result = await d.done;
    expect(result).toMatchObject({ complete: true, bytes: BIG, sha256: bigHash });
    expect(await server.exited).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(5_000);
    agent.destroy();
  }, 30_000);

  it('past the grace period the remaining connections are closed and the exit is still clean', async () => {
    server = await startCli(['--grace', '1', '--log-level', 'warn', dir]);
    const downloads = Array.from({ length: 10 }, () => download(server!.port, false, '/huge.bin'));
    await Promise.all(downloads.map((d) => d.started));
    for (const d of downloads) d.pause(); // stalled for good
    const stopAt = Date.now();
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const took = Date.now() - stopAt;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5_000);
    for (const d of downloads) d.resume();
    const results = await Promise.all(downloads.map((d) => d.done));
    expect(results.every((r) => !r.complete && r.bytes < HUGE)).toBe(true);
  }, 20_000);
});
