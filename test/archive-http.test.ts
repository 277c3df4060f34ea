import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bsdtarKeeps, hostileTree, pythonZipInfo, run } from './support/archive.js';
import { openFds, request, spawnCli, start, type Running } from './helpers.js';

let root: string;
let outside: string;
let expected: Map<string, Buffer | null>;
let server: Running;
const logLines: string[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) });

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'aqua-archive-http-'));
  outside = await mkdtemp(path.join(os.tmpdir(), 'aqua-outside-'));
  await mkdir(path.join(root, 'tree'));
  expected = await hostileTree(outside, path.join(root, 'tree'));
  server = await start({ root, logger });
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function saved(name: string, body: Buffer): Promise<string> {
  const file = path.join(outside, name);
  await writeFile(file, body);
  return file;
}

describe('GET /folder/?download=zip', () => {
  let full: Buffer;
  let etag: string;
  beforeAll(async () => {
    const res = await request(server.port, '/tree/?download=zip');
    expect(res.status).toBe(200);
    full = res.body;
    etag = String(res.headers.etag);
  });

  it('is a ZIP with the exact Content-Length, a strong ETag, Range support and an attachment name', async () => {
    const res = await request(server.port, '/tree/?download=zip');
    expect(res.headers['content-type']).toBe('application/zip');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-disposition']).toBe('attachment; filename="tree.zip"');
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body.equals(full)).toBe(true);
  });

  it('passes unzip -t and Python zipfile, with every member of the listing', async () => {
    const file = await saved('http.zip', full);
    expect((await run('unzip', ['-t', file])).stdout).toContain('No errors detected');
    const info = await pythonZipInfo(file);
    expect(info.bad).toBeNull();
    expect(new Set(info.members.map((m) => m.name))).toEqual(
      new Set(['tree/', ...[...expected.keys()].map((n) => `tree/${n}`)]),
    );
  });

  it('HEAD answers the same length and ETag without a body', async () => {
    const res = await request(server.port, '/tree/?download=zip', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(full.length);
    expect(res.headers.etag).toBe(etag);
    expect(res.body.length).toBe(0);
  });

  it.each([
    ['bytes=0-0', 0, 0],
    ['bytes=100-', 100, null],
    ['bytes=-50', null, null],
    ['bytes=150000-180000', 150_000, 180_000],
  ])('Range %s answers 206 with those bytes of the archive', async (range, start, end) => {
    const res = await request(server.port, '/tree/?download=zip', { headers: { Range: range } });
    expect(res.status).toBe(206);
    const from = start ?? full.length - 50;
    const to = end ?? full.length - 1;
    expect(res.headers['content-range']).toBe(`bytes ${from}-${to}/${full.length}`);
    expect(res.body.equals(full.subarray(from, to + 1))).toBe(true);
  });

  it('If-None-Match with its ETag is 304; If-Range with a stale ETag sends the whole archive', async () => {
    const notModified = await request(server.port, '/tree/?download=zip', { headers: { 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);
    const stale = await request(server.port, '/tree/?download=zip', {
      headers: { Range: 'bytes=10-', 'If-Range': '"stale"' },
    });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(full)).toBe(true);
  });

  it('curl -C - resumes a cut download into a byte-identical archive, also after a restart', async () => {
    for (const restart of [false, true]) {
      const target = restart ? await start({ root, logger }) : server;
      try {
        const file = await saved(`resume-${restart}.zip`, full.subarray(0, Math.floor(full.length / 2)));
        await run('curl', ['-sS', '-f', '-C', '-', '-o', file, `${target.url}/tree/?download=zip`]);
        expect((await readFile(file)).equals(full), `restart: ${restart}`).toBe(true);
        expect((await run('unzip', ['-t', file])).stdout).toContain('No errors detected');
      } finally {
        if (restart) await target.close();
      }
    }
  });

  it('a bare ?download on a folder is a ZIP too; the URL without its slash redirects first', async () => {
    const bare = await request(server.port, '/tree/?download');
    expect(bare.headers['content-type']).toBe('application/zip');
    expect(bare.body.equals(full)).toBe(true);
    const noSlash = await request(server.port, '/tree?download=zip');
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers.location).toBe('/tree/?download=zip');
  });
});

describe('GET /folder/?download=tar', () => {
  it('is a tar with the exact Content-Length that bsdtar and GNU tar extract to the same bytes', async () => {
    const res = await request(server.port, '/tree/?download=tar');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');
    expect(res.headers['content-disposition']).toBe('attachment; filename="tree.tar"');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    const file = await saved('http.tar', res.body);
    for (const tool of ['bsdtar', 'tar']) {
      const out = path.join(outside, `${tool}-http`);
      await mkdir(out);
      await run(tool, ['-xf', file, '-C', out]);
      for (const [rel, content] of expected) {
        if (content === null || (tool === 'bsdtar' && !bsdtarKeeps(rel))) continue;
        expect(await readFile(path.join(out, 'tree', rel)), `${tool}: ${rel}`).toEqual(content);
      }
    }
    const part = await request(server.port, '/tree/?download=tar', { headers: { Range: 'bytes=1000-' } });
    expect(part.status).toBe(206);
    expect(part.body.equals(res.body.subarray(1000))).toBe(true);
  });
});

describe('archive options and bad requests', () => {
  it('tar.gz is off unless asked for; with archiveGzip it is gzip of the tar, chunked', async () => {
    expect((await request(server.port, '/tree/?download=tar.gz')).status).toBe(404);
    const gz = await start({ root, archiveGzip: true });
    try {
      const res = await request(gz.port, '/tree/?download=tar.gz');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/gzip');
      expect(res.headers['content-length']).toBeUndefined();
      const file = await saved('http.tar.gz', res.body);
      expect((await run('tar', ['-tzf', file])).stdout).toContain('tree/nested/deeper/random.bin');
    } finally {
      await gz.close();
    }
  });

  it.each(['rar', 'zip%00', '../zip'])('?download=%s on a folder is 400', async (format) => {
    const res = await request(server.port, `/tree/?download=${format}`);
    expect(res.status).toBe(400);
    expect(res.body.toString()).not.toContain(root);
  });

  it('the folder page has a "Download folder" button; archives: false removes it and answers 404', async () => {
    const page = await request(server.port, '/tree/');
    expect(page.body.toString()).toContain('<button class="dl-folder" name="download" value="zip"');
    const off = await start({ root, archives: false });
    try {
      expect((await request(off.port, '/tree/')).body.toString()).not.toContain('dl-folder');
      expect((await request(off.port, '/tree/?download=zip')).status).toBe(404);
    } finally {
      await off.close();
    }
  });

  it('a folder with more entries than archiveMaxFiles answers 403, never a cut-short archive', async () => {
    const small = await start({ root, archiveMaxFiles: 5 });
    try {
      expect((await request(small.port, '/tree/?download=zip')).status).toBe(403);
      expect((await request(small.port, '/tree/nested/deeper/?download=zip')).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('a 5 GiB (sparse) member: HEAD gives the ZIP64 size, the tail is a valid end of archive', async () => {
    const dir = path.join(root, 'big');
    await mkdir(dir);
    await writeFile(path.join(dir, 'big.bin'), 'x');
    await truncate(path.join(dir, 'big.bin'), 5 * 2 ** 30);
    const head = await request(server.port, '/big/?download=zip', { method: 'HEAD' });
    const size = Number(head.headers['content-length']);
    expect(size).toBeGreaterThan(5 * 2 ** 30);
    const tail = await request(server.port, '/big/?download=zip', { headers: { Range: 'bytes=-22' } });
    expect(tail.status).toBe(206);
    expect(tail.body.readUInt32LE(0)).toBe(0x06054b50);
    await rm(dir, { recursive: true });
  });
});

describe('a file that changes mid-archive', () => {
  it('destroys the connection before the archive looks complete, and the log names the file', async () => {
    const dir = path.join(root, 'changing');
    await mkdir(dir);
    await writeFile(path.join(dir, 'a.bin'), Buffer.alloc(8 << 20, 1));
    await writeFile(path.join(dir, 'b.bin'), Buffer.alloc(1024, 2));
    const outcome = await new Promise<{ received: number; length: number; error: string }>((resolve) => {
      const req = http.get(`${server.url}/changing/?download=zip`, (res) => {
        let received = 0;
        const length = Number(res.headers['content-length']);
        res.once('data', () => {
          res.pause();
          const later = new Date(Date.now() + 60_000);
          void utimes(path.join(dir, 'b.bin'), later, later).then(() => res.resume());
        });
        res.on('data', (chunk: Buffer) => (received += chunk.length));
        res.on('error', (err) => resolve({ received, length, error: err.message }));
        res.on('end', () => resolve({ received, length, error: 'none' }));
      });
      req.on('error', (err) => resolve({ received: -1, length: -1, error: err.message }));
    });
    expect(outcome.error).toBe('aborted');
    expect(outcome.received).toBeLessThan(outcome.length);
    const line = logLines.find((l) => l.includes('archive member changed'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ member: 'changing/b.bin', reason: 'was modified' });
    await rm(dir, { recursive: true });
  });
});

describe('50 concurrent archive downloads of a 1,000-file folder', () => {
  it('all complete byte-identical, with at most one file open per download', { timeout: 120_000 }, async () => {
    const dir = path.join(root, 'thousand');
    await mkdir(dir);
    for (let i = 0; i < 1000; i++) await writeFile(path.join(dir, `f${i}.bin`), Buffer.alloc(4096, i % 256));
    const base = await openFds();
    let peak = base;
    const sampler = setInterval(() => void openFds().then((n) => (peak = Math.max(peak, n))), 5);
    try {
      const hashes = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const res = await request(server.port, '/thousand/?download=zip');
          expect(res.status).toBe(200);
          expect(Number(res.headers['content-length']), 'Content-Length against bytes received').toBe(res.body.length);
          return createHash('sha256').update(res.body).digest('hex');
        }),
      );
      expect(new Set(hashes).size).toBe(1);
    } finally {
      clearInterval(sampler);
      await rm(dir, { recursive: true });
    }
    // Per download: the client's socket and the server's (both in this process), and one file at a time.
    expect(peak - base, `descriptors: ${base} before, ${peak} at the peak`).toBeLessThanOrEqual(50 * 3 + 16);
  });
});

describe('the real CLI', () => {
  it('serves archives by default (curl, unzip -t); --archive-max-files and --no-archives', async () => {
    const cli = await spawnCli([root, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn']);
    try {
      const file = path.join(outside, 'cli.zip');
      await run('curl', ['-sS', '-f', '-o', file, `http://127.0.0.1:${cli.port}/tree/?download=zip`]);
      expect((await run('unzip', ['-t', file])).stdout).toContain('No errors detected');
    } finally {
      await cli.stop();
    }
    const limited = await spawnCli([
      root,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--log-level',
      'warn',
      '--archive-max-files',
      '5',
    ]);
    try {
      expect((await request(limited.port, '/tree/?download=zip')).status).toBe(403);
    } finally {
      await limited.stop();
    }
    const off = await spawnCli([root, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', '--no-archives']);
    try {
      expect((await request(off.port, '/tree/?download=tar')).status).toBe(404);
      expect((await request(off.port, '/tree/')).body.toString()).not.toContain('dl-folder');
    } finally {
      await off.stop();
    }
  });

  it('--help documents the archive flags', async () => {
    const { stdout } = await run(process.execPath, ['bin/aqua-serve.js', '--help']);
    for (const flag of ['--no-archives', '--archive-max-files <n>', '--archive-gzip']) expect(stdout).toContain(flag);
  });
});
