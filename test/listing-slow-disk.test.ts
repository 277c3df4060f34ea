/**
 * A folder on a slow disk (issue 18): the listing's file-system calls go through a test double that
 * holds them, as a network mount or a spun-down disk would. The page's head goes out while the names
 * are still being read; the rows follow when they arrive; other requests are answered meanwhile.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_FS, type FolderFs } from '../src/fs/entries.js';
import { request, start, tempDir, type Running } from './helpers.js';

/** NODE_FS whose `opendir` waits until `release()` and whose `stat` takes `statMs` longer. */
function heldFs(statMs: number): { fs: FolderFs; release: () => void; opened: () => number } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let opened = 0;
  return {
    fs: {
      async opendir(dir, buffer) {
        opened++;
        await gate;
        return NODE_FS.opendir(dir, buffer);
      },
      async stat(file) {
        await new Promise((r) => setTimeout(r, statMs));
        return NODE_FS.stat(file);
      },
      realpath: (file) => NODE_FS.realpath(file),
    },
    release,
    opened: () => opened,
  };
}

/** GET `target` over a raw socket; resolves `head` with the first bytes, `all` with everything. */
function rawGet(port: number, target: string): { head: Promise<string>; all: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1', () =>
    socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
  );
  const chunks: Buffer[] = [];
  let first!: (text: string) => void;
  const head = new Promise<string>((resolve) => (first = resolve));
  const all = new Promise<string>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      first(Buffer.concat(chunks).toString('utf8'));
    });
    socket.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.once('error', reject);
  });
  return { head, all };
}

describe('a listing on a slow disk', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: Running;
  const slow = heldFs(2);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('aqua-slowdisk-'));
    await mkdir(path.join(dir, 'far'));
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => writeFile(path.join(dir, 'far', `take ${i}.mp4`), 'x'.repeat(i))),
    );
    await writeFile(path.join(dir, 'tiny.txt'), 'hello, aqua!\n');
    server = await start({ root: dir, folderFs: slow.fs });
  });

  afterAll(async () => {
    slow.release();
    await server?.close();
    await cleanup?.();
  });

  it('sends the page head while the names are still being read, then every row; others are answered meanwhile', async () => {
    const page = rawGet(server.port, '/far/');
    const head = await page.head;
    expect(slow.opened()).toBe(1); // the names are still held
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(head).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
    expect(head).toContain('<!doctype html>');
    expect(head).not.toContain('take 0.mp4');

    const tiny = await request(server.port, '/tiny.txt');
    expect(tiny.status).toBe(200);
    expect(tiny.body.toString()).toBe('hello, aqua!\n');

    slow.release();
    const body = await page.all;
    for (const i of [0, 1, 150, 299]) expect(body).toContain(`>take ${i}.mp4</a>`);
    expect(body.trimEnd()).toMatch(/<\/html>\s*0\s*$/); // the last chunk, after the closing tag
  }, 30_000);
});
