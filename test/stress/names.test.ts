// Names are bytes on Linux: a backslash is an ordinary byte, and a name need not be UTF-8 (Latin-1 `café`
// from an old Windows disk is `63 61 66 E9`). The real CLI lists such names readably (with a marker),
// links them by their exact bytes, serves them, and logs once that a name is not UTF-8.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, startCli, type Child } from './support.js';

/** A path below `dir` given as bytes (node:fs takes a Buffer path as the exact bytes). */
function bytesPath(dir: string, ...names: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(dir + '/'), ...names.flatMap((n, i) => (i > 0 ? [Buffer.from('/'), n] : [n]))]);
}

const LATIN1_FILE = Buffer.from('caf\xe9.txt', 'latin1'); // 63 61 66 E9 2E 74 78 74
const LATIN1_DIR = Buffer.from('d\xe9j\xe0', 'latin1');
const C1_FILE = Buffer.from([0x61, 0x85, 0x62]); // a C1 control byte: not UTF-8, not printable Latin-1

async function get(port: number, target: string): Promise<{ status: number; headers: string; body: string }> {
  const { text } = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const cut = text.indexOf('\r\n\r\n');
  const head = text.slice(0, cut);
  const raw = Buffer.from(text.slice(cut + 4), 'latin1');
  // Undo chunked framing if any (listings may be streamed).
  let body = raw.toString('utf8');
  if (/transfer-encoding: chunked/i.test(head)) {
    let out = Buffer.alloc(0);
    let rest = raw;
    for (;;) {
      const eol = rest.indexOf('\r\n');
      const size = parseInt(rest.subarray(0, eol).toString(), 16);
      if (!size) break;
      out = Buffer.concat([out, rest.subarray(eol + 2, eol + 2 + size)]);
      rest = rest.subarray(eol + 4 + size);
    }
    body = out.toString('utf8');
  }
  return { status: Number(head.slice(9, 12)), headers: head, body };
}

describe('names are bytes', () => {
  let dir: string;
  let server: Child;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-names-'));
    writeFileSync(path.join(dir, 'back\\slash.txt'), 'backslash\n');
    writeFileSync(bytesPath(dir, LATIN1_FILE), 'latin-1 name\n');
    writeFileSync(bytesPath(dir, C1_FILE), 'c1 byte\n');
    writeFileSync(path.join(dir, 'café.txt'), 'utf-8 name\n'); // the UTF-8 name that looks the same
    mkdirSync(bytesPath(dir, LATIN1_DIR));
    writeFileSync(bytesPath(dir, LATIN1_DIR, LATIN1_FILE), 'nested latin-1\n');
    writeFileSync(path.join(dir, '.secret'), 'dotfile\n');
    server = await startCli([dir]);
  });

  /** The rows' links (one `<a href>` per entry row, relative to the page), as absolute paths. */
  function rowLinks(html: string, pagePath: string): string[] {
    return [...html.matchAll(/<tr class="[a-z]"[^>]*><td><a href="([^"]*)">/g)].map((m) => pagePath + m[1]);
  }

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the HTML listing shows every name readably, marks the non-UTF-8 ones, and links their exact bytes', async () => {
    const page = await get(server.port, '/');
    expect(page.status).toBe(200);
    const hrefs = rowLinks(page.body, '/');
    expect(hrefs.sort()).toEqual(['/a%85b', '/back%5Cslash.txt', '/caf%C3%A9.txt', '/caf%E9.txt', '/d%E9j%E0/']);
    expect(page.body).toContain('>back\\slash.txt<');
    expect(page.body).toContain('>café.txt</a><small class="raw-name"'); // Latin-1 reading, marked
    expect(page.body).toContain('>a\uFFFDb</a><small class="raw-name"');
    expect(page.body).toContain('>café.txt</a><td>'); // the real UTF-8 one: no marker
    expect(page.body).not.toContain('.secret');
  });

  it.each([
    ['/back%5Cslash.txt', 'backslash\n'],
    ['/back\\slash.txt', 'backslash\n'],
    ['/caf%E9.txt', 'latin-1 name\n'],
    ['/caf%e9.txt', 'latin-1 name\n'],
    ['/a%85b', 'c1 byte\n'],
    ['/caf%C3%A9.txt', 'utf-8 name\n'],
    ['/d%E9j%E0/caf%E9.txt', 'nested latin-1\n'],
  ])('GET %s serves the file with exactly those bytes as its name', async (target, content) => {
    const r = await get(server.port, target);
    expect([r.status, r.body]).toEqual([200, content]);
  });

  it('every link of the listing, followed, serves its file (round trip of the exact bytes)', async () => {
    const page = await get(server.port, '/d%E9j%E0/');
    expect(page.status).toBe(200);
    const links = rowLinks(page.body, '/d%E9j%E0/');
    const files = links.filter((h) => !h.endsWith('/'));
    expect(files).toEqual(['/d%E9j%E0/caf%E9.txt']);
    expect((await get(server.port, files[0])).body).toBe('nested latin-1\n');
  });

  it('a folder with a non-UTF-8 name redirects to its slash URL with the same bytes', async () => {
    const r = await get(server.port, '/d%E9j%E0');
    expect(r.status).toBe(301);
    expect(r.headers).toMatch(/\r\nLocation: \/d%E9j%E0\/\r\n/i);
  });

  it('the JSON listing stays valid JSON and gives the exact bytes of names that are not UTF-8', async () => {
    const r = await get(server.port, '/?format=json');
    const json = JSON.parse(r.body) as { entries: { name: string; nameBytes?: string }[] };
    const byName = new Map(json.entries.map((e) => [e.nameBytes ?? e.name, e]));
    expect(byName.get('caf%E9.txt')).toMatchObject({ name: 'café.txt', nameBytes: 'caf%E9.txt' });
    expect(byName.get('a%85b')).toMatchObject({ name: 'a\uFFFDb' });
    expect(byName.get('café.txt')?.nameBytes).toBeUndefined();
    expect(byName.get('back\\slash.txt')?.nameBytes).toBeUndefined();
    expect(byName.get('d%E9j%E0')).toMatchObject({ name: 'déjà', type: 'directory' });
    expect(r.body).not.toMatch(/\\ud[c-f]/i); // no lone surrogates: any JSON parser takes it
  });

  it.each([
    ['/..%2f.secret', 404],
    ['/d%E9j%E0/..%2f..%2fetc%2fpasswd', 404],
    ['/d%E9j%E0/%2e%2e/.secret', 404],
    ['/caf%E9.txt%00', 400],
    ['/.secret', 404],
    ['/%2esecret', 404],
    ['/caf%E', 400],
    ['/caf%G9.txt', 400],
  ])('%s is still refused (%i)', async (target, status) => {
    expect((await get(server.port, target)).status).toBe(status);
  });

  // Last: it stops the server (log lines are certain to be written on exit).
  it('logs one line per name that is not UTF-8', async () => {
    await get(server.port, '/');
    await get(server.port, '/');
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const lines = server.output().split('\n');
    const latin = lines.filter((l) => l.includes('not valid UTF-8') && l.includes('"url":"/caf%E9.txt"'));
    expect(latin).toHaveLength(1);
  });
});
