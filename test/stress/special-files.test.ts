// Special files inside the root — a FIFO, a Unix socket, a device — are refused without ever being opened
// in a way that blocks: a FIFO with no writer, opened for reading, holds a thread of Node's file-I/O pool
// forever, and four of them (the pool's size) stop every other request. With --follow-symlinks, a
// symlink loop in a folder is one bad entry, never a failed page.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHash, rawExchange, startCli, startScript, type Child } from './support.js';

const TINY = 'hello, aqua!\n';

/** Status code of one GET on a fresh connection, or 0 if no answer came within `timeoutMs`. */
async function statusOf(port: number, target: string, timeoutMs = 5_000): Promise<number> {
  const { text } = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, timeoutMs);
  return text.startsWith('HTTP/1.1 ') ? Number(text.slice(9, 12)) : 0;
}

describe('special files', () => {
  let dir: string;
  let server: Child;
  let socketServer: net.Server;
  let haveDevice = false;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-special-'));
    writeFileSync(path.join(dir, 'tiny.txt'), TINY);
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    mkdirSync(path.join(dir, 'fifo-index'));
    execFileSync('mkfifo', [path.join(dir, 'fifo-index', 'index.html')]);
    writeFileSync(path.join(dir, 'fifo-index', 'other.txt'), 'other\n');
    socketServer = net.createServer();
    await new Promise<void>((resolve) => socketServer.listen(path.join(dir, 'sock'), resolve));
    try {
      execFileSync('mknod', [path.join(dir, 'null-device'), 'c', '1', '3'], { stdio: 'ignore' });
      haveDevice = true;
    } catch {
      haveDevice = false; // not root: no device node in the fixture
    }
    server = await startScript({ root: dir });
  });

  afterAll(() => {
    server?.kill();
    socketServer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['a FIFO', '/fifo'],
    ['a Unix socket', '/sock'],
    ['a FIFO under a trailing slash', '/fifo/'],
  ])('%s is refused with 404, promptly', async (_what, target) => {
    const started = Date.now();
    expect(await statusOf(server.port, target, 3_000)).toBe(404);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a character device is refused with 404 (when the test may create one)', async () => {
    if (!haveDevice) return;
    expect(await statusOf(server.port, '/null-device', 3_000)).toBe(404);
  });

  it('a folder whose index.html is a FIFO is listed instead, and the FIFO is not in the listing', async () => {
    const { text } = await rawExchange(
      server.port,
      'GET /fifo-index/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(text.slice(0, 12)).toBe('HTTP/1.1 200');
    expect(text).toContain('other.txt');
    expect(text).not.toContain('index.html<');
  });

  it('16 requests for FIFOs at once do not take the thread pool: others are answered within 1 s', async () => {
    const fifoRequests = Array.from({ length: 16 }, (_, i) =>
      statusOf(server.port, i % 2 === 0 ? '/fifo' : '/fifo-index/', 8_000),
    );
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = Date.now();
      const r = await fetchHash(server.port, '/tiny.txt', {}, 5_000);
      latencies.push(Date.now() - t);
      expect(r.status).toBe(200);
    }
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    const statuses = await Promise.all(fifoRequests);
    expect(statuses.filter((s) => s === 404)).toHaveLength(8);
    expect(statuses.filter((s) => s === 200)).toHaveLength(8);
  }, 20_000);
});

describe('--follow-symlinks and a symlink loop', () => {
  let dir: string;
  let server: Child;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-loop-'));
    mkdirSync(path.join(dir, 'loopy'));
    writeFileSync(path.join(dir, 'loopy', 'real.txt'), TINY);
    symlinkSync('b', path.join(dir, 'loopy', 'a'));
    symlinkSync('a', path.join(dir, 'loopy', 'b'));
    symlinkSync('self', path.join(dir, 'loopy', 'self'));
    server = await startCli([dir, '--follow-symlinks']);
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the folder is listed with its good entries; the loop is left out', async () => {
    const { text } = await rawExchange(server.port, 'GET /loopy/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(text.slice(0, 12)).toBe('HTTP/1.1 200');
    expect(text).toContain('real.txt');
    expect(text).not.toMatch(/>self<|>a<\/span>|>b<\/span>/);
  });

  it.each(['/loopy/a', '/loopy/self', '/loopy/self/x'])('%s answers 404, not 500', async (target) => {
    expect(await statusOf(server.port, target)).toBe(404);
  });
});
