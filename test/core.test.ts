import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFds, request, sleep, spawnCli, start, tempDir, type Running } from './helpers.js';

const HOSTILE = [
  `quote"s'.txt`,
  '<b>&amp.txt',
  '100%.txt',
  'hash#tag.txt',
  'what?.txt',
  'with space.txt',
  'emoji 🎬.txt',
  'ünïcødé.txt',
  'semi;colon,.txt',
  'plus+sign.txt',
];
const BIG = randomBytes(5 * 1024 * 1024 + 123);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let root: string;
let outside: string;
let cleanups: (() => Promise<void>)[] = [];
let srv: Running;

beforeAll(async () => {
  const t = await tempDir();
  const o = await tempDir('aqua-outside-');
  root = t.dir;
  outside = o.dir;
  cleanups = [t.cleanup, o.cleanup];
  await writeFile(path.join(root, 'hello.txt'), 'hello world\n');
  await writeFile(path.join(root, 'big.bin'), BIG);
  await writeFile(path.join(root, 'empty.txt'), '');
  await writeFile(path.join(root, '%2e%2e'), 'literal name');
  await mkdir(path.join(root, 'sub', 'nested'), { recursive: true });
  for (const n of ['file10.txt', 'file2.txt', 'file1.txt', 'File3.txt']) await writeFile(path.join(root, 'sub', n), n);
  await writeFile(path.join(root, 'sub', 'nested', 'deep.txt'), 'deep');
  await mkdir(path.join(root, 'site'));
  await writeFile(path.join(root, 'site', 'index.html'), '<h1>site</h1>');
  await writeFile(path.join(root, '.secret'), 'dotfile');
  await mkdir(path.join(root, '.git'));
  await writeFile(path.join(root, '.git', 'config'), '[core]');
  await mkdir(path.join(root, 'hostile'));
  for (const n of HOSTILE) await writeFile(path.join(root, 'hostile', n), `content of ${n}`);
  await writeFile(path.join(outside, 'secret.txt'), 'outside the root');
  await symlink(path.join(root, 'hello.txt'), path.join(root, 'in-link.txt'));
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'out-link.txt'));
  await symlink(outside, path.join(root, 'out-dir'));
  await mkdir(path.join(root, 'many'));
  await Promise.all(
    Array.from({ length: 10_000 }, (_, i) => writeFile(path.join(root, 'many', `f${i}.txt`), String(i))),
  );
  srv = await start({ root });
});

afterAll(async () => {
  await srv?.close();
  for (const c of cleanups) await c();
});

describe('files', () => {
  it('serves a small file with exact bytes and the documented headers', async () => {
    const r = await request(srv.port, '/hello.txt');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello world\n');
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['content-length']).toBe('12');
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(new Date(r.headers['last-modified'] ?? '').getTime()).toBeGreaterThan(0);
  });

  it('streams a multi-megabyte file byte for byte', async () => {
    const r = await request(srv.port, '/big.bin');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(Number(r.headers['content-length'])).toBe(BIG.length);
    expect(sha(r.body)).toBe(sha(BIG));
  });

  it('answers HEAD with the same headers and no body', async () => {
    const get = await request(srv.port, '/big.bin');
    const head = await request(srv.port, '/big.bin', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const h of ['content-type', 'content-length', 'etag', 'last-modified', 'accept-ranges'])
      expect(head.headers[h]).toBe(get.headers[h]);
  });

  it('serves a raw SVG with a policy that lets it draw but never run script', async () => {
    await writeFile(
      path.join(root, 'pic.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    const r = await request(srv.port, '/pic.svg');
    expect(r.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(r.headers['content-security-policy']).toMatch(/default-src 'none'.*sandbox/);
    expect((await request(srv.port, '/hello.txt')).headers['content-security-policy']).toBeUndefined();
  });

  it('serves an empty file', async () => {
    const r = await request(srv.port, '/empty.txt');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('0');
    expect(r.body.length).toBe(0);
  });

  it('gives the same ETag to the same file across server instances', async () => {
    const other = await start({ root });
    try {
      const [a, b] = await Promise.all([request(srv.port, '/hello.txt'), request(other.port, '/hello.txt')]);
      expect(a.headers.etag).toBe(b.headers.etag);
    } finally {
      await other.close();
    }
  });
});

describe('the error table', () => {
  it.each([
    ['ENOENT', 404],
    ['ENOTDIR', 404],
    ['ENAMETOOLONG', 404],
    ['EACCES', 403],
    ['EPERM', 403],
    ['EMFILE', 503],
    ['EIO', 500],
  ])('%s → %i', async (code, status) => {
    const { statusOf } = await import('../src/respond/errors.js');
    expect(statusOf(Object.assign(new Error('x'), { code }))).toBe(status);
  });
});

describe('status codes', () => {
  it.each([
    ['missing file', 'GET', '/nope.txt', 404],
    ['missing folder', 'GET', '/nope/x.txt', 404],
    ['file used as folder', 'GET', '/hello.txt/x', 404],
    ['POST', 'POST', '/hello.txt', 405],
    ['PUT', 'PUT', '/hello.txt', 405],
    ['DELETE', 'DELETE', '/', 405],
    ['OPTIONS', 'OPTIONS', '/hello.txt', 204],
  ])('%s → %i', async (_name, method, p, status) => {
    const r = await request(srv.port, p, { method });
    expect(r.status).toBe(status);
    if (status === 405 || status === 204) expect(r.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('error pages say nothing of the file system', async () => {
    const r = await request(srv.port, '/nope/secret-name.txt');
    const text = r.body.toString();
    expect(text).toContain('404');
    expect(text).not.toContain(root);
    expect(text).not.toContain('secret-name');
    expect(text).not.toMatch(/ENOENT|at .*\.js/);
  });
});

describe('path safety (raw paths)', () => {
  it.each([
    ['/..', 404],
    ['/../etc/passwd', 404],
    ['/sub/../../etc/passwd', 404],
    ['/%2e%2e/%2e%2e/etc/passwd', 404],
    ['/%2E%2E/hello.txt', 404],
    ['/sub/%2e%2e/hello.txt', 404],
    ['/..%2f..%2fetc%2fpasswd', 404],
    ['/sub%2fnested/deep.txt', 404],
    ['/..%5c..%5cetc%5cpasswd', 404],
    ['/sub\\..\\hello.txt', 404],
    ['/hello.txt%00.png', 400],
    ['/%00', 400],
    ['/%zz', 400],
    ['/%e0%a4%a', 400],
    // Names are bytes: an overlong `%c0%ae` is two bytes of a (missing) name, never a dot.
    ['/%c0%ae%c0%ae/etc/passwd', 404],
    ['//etc/passwd', 404],
    ['/./hello.txt', 200],
    ['//hello.txt', 200],
    ['/%2e%2e', 404],
    ['/%252e%252e', 200],
  ])('%s → %i', async (p, status) => {
    const r = await request(srv.port, p);
    expect(r.status).toBe(status);
    expect(r.body.toString()).not.toContain('root:');
  });

  it('reads a double-encoded name as a literal file name, not a traversal', async () => {
    const r = await request(srv.port, '/%252e%252e');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('literal name');
    expect((await request(srv.port, '/sub/%252e%252e/hello.txt')).status).toBe(404);
  });

  it.each([
    ['/.secret', 404],
    ['/.git/config', 404],
    ['/.git/', 404],
    ['/%2esecret', 404],
    ['/./.secret', 404],
    ['/sub/../.secret', 404],
  ])('hides dotfiles: %s → %i', async (p, status) => {
    expect((await request(srv.port, p)).status).toBe(status);
  });

  it('serves and lists dotfiles with the dotfiles option', async () => {
    const open = await start({ root, dotfiles: true });
    try {
      expect((await request(open.port, '/.secret')).body.toString()).toBe('dotfile');
      const names = JSON.parse((await request(open.port, '/?format=json')).body.toString()).entries.map(
        (e: { name: string }) => e.name,
      );
      expect(names).toContain('.secret');
      expect(names).toContain('.git');
    } finally {
      await open.close();
    }
  });

  it('follows symlinks inside the root, refuses those that lead out', async () => {
    expect((await request(srv.port, '/in-link.txt')).body.toString()).toBe('hello world\n');
    expect((await request(srv.port, '/out-link.txt')).status).toBe(404);
    expect((await request(srv.port, '/out-dir/secret.txt')).status).toBe(404);
    expect((await request(srv.port, '/out-dir/')).status).toBe(404);
    const names = JSON.parse((await request(srv.port, '/?format=json')).body.toString()).entries.map(
      (e: { name: string }) => e.name,
    );
    expect(names).toContain('in-link.txt');
    expect(names).not.toContain('out-link.txt');
    expect(names).not.toContain('out-dir');
  });

  it('follows symlinks out of the root with followSymlinks', async () => {
    const follow = await start({ root, followSymlinks: true });
    try {
      expect((await request(follow.port, '/out-link.txt')).body.toString()).toBe('outside the root');
      expect((await request(follow.port, '/out-dir/secret.txt')).status).toBe(200);
    } finally {
      await follow.close();
    }
  });
});

describe('folders', () => {
  it.each([
    ['/sub', '/sub/'],
    ['/sub?sort=size&order=desc', '/sub/?sort=size&order=desc'],
    ['/sub/nested', '/sub/nested/'],
    ['//sub', '/sub/'],
    ['///sub', '/sub/'],
    ['/hello.txt/', '/hello.txt'],
  ])('redirects %s to %s', async (p, location) => {
    const r = await request(srv.port, p);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(location);
    expect(r.headers.location?.startsWith('//')).toBe(false);
  });

  it('lists folders first, then names in natural order (JSON)', async () => {
    const r = await request(srv.port, '/sub/', { headers: { accept: 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    const json = JSON.parse(r.body.toString());
    expect(json.path).toBe('/sub/');
    expect(json.entries.map((e: { name: string }) => e.name)).toEqual([
      'nested',
      'file1.txt',
      'file2.txt',
      'File3.txt',
      'file10.txt',
    ]);
    const f1 = json.entries[1];
    expect(f1).toEqual({ name: 'file1.txt', type: 'file', size: 9, mtime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(json.entries[0].type).toBe('directory');
  });

  it('lists as HTML with breadcrumbs and a parent link', async () => {
    const r = await request(srv.port, '/sub/nested/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = r.body.toString();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('href="/sub/"');
    expect(html).toContain('deep.txt');
    expect(html).toMatch(/href="(\.\.\/|\/sub\/)"/);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/);
  });

  it('links every hostile name to the right file, escaped in text and attributes', async () => {
    const html = (await request(srv.port, '/hostile/')).body.toString();
    expect(html).not.toContain('<b>&amp');
    expect(html).not.toContain(`quote"s`);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) =>
      m[1]
        .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
        .replace(/&amp;/g, '&')
        .replace(/&quot;/g, '"'),
    );
    for (const name of HOSTILE) {
      // One plain link per file, relative to the folder, with no query: what a crawler follows.
      const href = hrefs.find((h) => !h.includes('?') && decodeURIComponent(h) === name);
      expect(href, name).toBeDefined();
      expect(
        hrefs.filter((h) => h === href),
        name,
      ).toHaveLength(1);
      const r = await request(srv.port, `/hostile/${href as string}`);
      expect(r.status, name).toBe(200);
      expect(r.body.toString()).toBe(`content of ${name}`);
    }
  });

  it('serves index.html for a folder that has one, and lists it with index: false', async () => {
    const r = await request(srv.port, '/site/');
    expect(r.body.toString()).toBe('<h1>site</h1>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const noIndex = await start({ root, index: false });
    try {
      const listed = await request(noIndex.port, '/site/?format=json');
      expect(JSON.parse(listed.body.toString()).entries.map((e: { name: string }) => e.name)).toEqual(['index.html']);
    } finally {
      await noIndex.close();
    }
  });

  it('lists a 10,000-entry folder, every entry once (its speed is measured by npm run bench)', async () => {
    const r = await request(srv.port, '/many/');
    expect(r.status).toBe(200);
    const names = [...r.body.toString().matchAll(/<a href="(f\d+\.txt)">\1<\/a>/g)].map((m) => m[1]);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(10_000);
  });
});

describe('client resets and slow clients', () => {
  it('closes the file handle when a client resets mid-stream, and keeps serving', async () => {
    const big = Buffer.alloc(32 * 1024 * 1024, 7);
    await writeFile(path.join(root, 'reset.bin'), big);
    await request(srv.port, '/hello.txt');
    const idle = await openFds();
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(srv.port, '127.0.0.1', () =>
          socket.write('GET /reset.bin HTTP/1.1\r\nHost: x\r\n\r\n'),
        );
        let got = 0;
        socket.on('data', (c: Buffer) => {
          got += c.length;
          if (got > 100_000 * (i + 1)) socket.resetAndDestroy();
        });
        socket.on('close', () => resolve());
        socket.on('error', () => undefined);
      });
    }
    const deadline = Date.now() + 3000;
    while ((await openFds()) > idle && Date.now() < deadline) await sleep(50);
    expect(await openFds()).toBeLessThanOrEqual(idle);
    expect((await request(srv.port, '/hello.txt')).status).toBe(200);
  });

  it('does not read ahead for a stalled reader: memory stays bounded by the chunk size', async () => {
    await writeFile(path.join(root, 'stall.bin'), Buffer.alloc(64 * 1024 * 1024, 1));
    const before = process.memoryUsage().arrayBuffers;
    const socket = net.connect(srv.port, '127.0.0.1', () => socket.write('GET /stall.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
    let got = 0;
    socket.on('data', (c: Buffer) => {
      got += c.length;
      socket.pause(); // read one chunk, then stall
    });
    await sleep(1500);
    const grown = process.memoryUsage().arrayBuffers - before;
    socket.destroy();
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(16 * 1024 * 1024);
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('the real CLI', () => {
  const bin = path.resolve('bin/aqua-serve.js');

  function run(
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        env: { ...process.env, PORT: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c));
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('serves a folder, prints its URL, and exits 0 on SIGTERM', async () => {
    const cli = await spawnCli([root, '--port', '0', '--host', '127.0.0.1', '--log-format', 'json']);
    expect(cli.stdout()).toContain(root);
    const r = await request(cli.port, '/hello.txt');
    expect(r.body.toString()).toBe('hello world\n');
    expect(await cli.stop('SIGTERM')).toBe(0);
    expect(cli.stdout()).toMatch(/"msg":"response"/);
  });

  it.each([
    ['an unknown flag', ['--bogus']],
    ['a misspelt flag', ['--prot', '8080']],
    ['a port that is not a number', ['--port', 'abc']],
    ['a port out of range', ['--port', '70000']],
    ['a negative port', ['--port', '-1']],
    ['a missing root', ['/definitely/not/here']],
    ['a root that is a file', ['package.json']],
    ['a bad log level', ['--log-level', 'loud']],
    ['a bad grace period', ['--grace', 'soon']],
    ['a bad memory cache size', ['--memory-cache', '-5']],
  ])('rejects %s with one line and exit code 2', async (_name, args) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^aqua-serve: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a bad $PORT with exit code 2', async () => {
    const r = await run([root], { PORT: 'http' });
    expect(r.code).toBe(2);
  });

  it('prints help documenting every flag, and the version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const flag of [
      '--port',
      '--host',
      '--dotfiles',
      '--no-index',
      '--follow-symlinks',
      '--log-level',
      '--log-format',
      '--quiet',
      '--version',
      '--grace',
      '--workers',
      '--memory-cache',
      '--max-connections',
      '--send-timeout',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('serves from several workers with --workers and stops them all on SIGTERM', async () => {
    const { readFile } = await import('node:fs/promises');
    const cli = await spawnCli([root, '--port', '0', '--host', '127.0.0.1', '--workers', '2']);
    for (let i = 0; i < 10; i++) expect((await request(cli.port, '/hello.txt')).body.toString()).toBe('hello world\n');
    const pid = cli.child.pid as number;
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    expect(children).toHaveLength(2);
    expect(await cli.stop('SIGTERM')).toBe(0);
    for (const child of children) expect(() => process.kill(Number(child), 0)).toThrow();
  });

  it('keeps the --workers primary small: it forks and supervises, and never loads the server (issue 18)', async () => {
    const { readFile } = await import('node:fs/promises');
    // Private memory (RssAnon): the pages of the node binary and of ICU (RssFile) are shared by every process.
    const anonKiB = async (pid: number | string): Promise<number> =>
      Number(/^RssAnon:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]);
    const cli = await spawnCli([root, '--port', '0', '--host', '127.0.0.1', '--workers', '2']);
    try {
      const pid = cli.child.pid as number;
      let children: string[] = [];
      for (let i = 0; i < 50 && children.length < 2; i++) {
        expect((await request(cli.port, '/')).status).toBe(200);
        children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
      }
      expect(children).toHaveLength(2);
      for (let i = 0; i < 10; i++) expect((await request(cli.port, '/hello.txt')).status).toBe(200);
      // A worker still starting has not loaded the server yet: look again for up to 5 s.
      let primary = 0;
      let workers: number[] = [];
      for (let i = 0; i < 20; i++) {
        primary = await anonKiB(pid);
        workers = await Promise.all(children.map(anonKiB));
        if (primary < 0.8 * Math.min(...workers)) break;
        await sleep(250);
      }
      // Measured on Node 20: primary 13 MiB, each worker 24 MiB (the primary was 32, as much as a worker, when it
      // imported the whole server).
      expect(primary).toBeLessThan(0.8 * Math.min(...workers));
    } finally {
      expect(await cli.stop('SIGTERM')).toBe(0);
    }
  });

  it('takes a free port and says so when the default port is taken', async () => {
    const blocker = net.createServer();
    const held = await new Promise<boolean>((resolve) => {
      blocker.once('error', () => resolve(false)); // already taken by someone else: just as good
      blocker.listen(5000, () => resolve(true));
    });
    try {
      const cli = await spawnCli([root, '--host', '127.0.0.1']);
      expect(cli.port).not.toBe(5000);
      expect(cli.stdout()).toContain('port 5000 is in use');
      expect((await request(cli.port, '/hello.txt')).status).toBe(200);
      expect(await cli.stop()).toBe(0);
    } finally {
      if (held) blocker.close();
    }
  });

  it('fails with exit code 1 when an explicitly asked port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await run([root, '--port', String(port), '--host', '127.0.0.1']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('in use');
    } finally {
      blocker.close();
    }
  });
});
