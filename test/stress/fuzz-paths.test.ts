import fc from 'fast-check';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, statusOf } from '../../src/respond/errors.js';
import { parseUrlPath, resolveFsPath } from '../../src/fs/resolve.js';
import { createAquaServer, type AquaServer } from '../../src/server/index.js';
import { rawExchange } from './support.js';

const SEED = 20261126;
const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';

/** Hostile pieces a path segment is made of: traversal spelled every way, separators, NUL, odd dots. */
const TOKENS = [
  '..',
  '.',
  '',
  '%2e',
  '%2E',
  '%2e%2e',
  '%2E%2e',
  '.%2e',
  '%2e.',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '\\',
  '%00',
  '\0',
  '%c0%ae',
  '%c0%ae%c0%ae',
  '%c0%af',
  '%e0%80%ae',
  '%c1%9c',
  '%25',
  '%252e%252e',
  '%',
  '%zz',
  '%e2%80%a4',
  '\u2024',
  '\u2025',
  '\uff0e',
  '\uff0e\uff0e',
  '\u3002',
  '\u0085',
  '\ufeff',
  ';',
  '?',
  '#',
  ':',
  'C:',
  '~',
  'sub',
  'file.txt',
  '.env',
  '.hidden',
  'link-out',
  'link-in',
  'root-evil',
  'evil.com',
  'a'.repeat(300),
  'ä',
  'e\u0301',
];

const segment = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 3 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const rawPath = fc
  .tuple(fc.array(segment, { maxLength: 8 }), fc.constantFrom('/', '//', '/./'), fc.boolean())
  .map(([segs, lead, trailing]) => lead + segs.join('/') + (trailing ? '/' : ''));

const FS_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'EACCES', 'EPERM']);

describe('path resolution over hostile random paths (fast-check)', () => {
  let base: string;
  let root: string;

  beforeAll(() => {
    base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'aqua-fuzz-')));
    root = path.join(base, 'root');
    mkdirSync(path.join(root, 'sub', 'deeper'), { recursive: true });
    mkdirSync(path.join(root, 'evil.com'));
    mkdirSync(path.join(base, 'root-evil'));
    writeFileSync(path.join(root, 'file.txt'), 'inside\n');
    writeFileSync(path.join(root, 'sub', 'file.txt'), 'inside sub\n');
    writeFileSync(path.join(root, '.env'), 'dotfile\n');
    writeFileSync(path.join(base, 'secret.txt'), SECRET);
    writeFileSync(path.join(base, 'root-evil', 'file.txt'), SECRET);
    symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'link-out'));
    symlinkSync(path.join(root, 'file.txt'), path.join(root, 'sub', 'link-in'));
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('every path resolves inside the root or is rejected with a client error; nothing else is thrown', async () => {
    await fc.assert(
      fc.asyncProperty(rawPath, fc.boolean(), async (raw, dotfiles) => {
        let resolved: string;
        try {
          const url = parseUrlPath(raw, { dotfiles });
          for (const s of url.segments) {
            // A backslash is an ordinary byte of a name on Linux (names are bytes); never a separator.
            expect(s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0')).toBe(false);
            if (!dotfiles) expect(s.startsWith('.')).toBe(false);
          }
          resolved = await resolveFsPath(root, url, { followSymlinks: false });
        } catch (err) {
          const known = err instanceof HttpError || FS_CODES.has((err as NodeJS.ErrnoException).code ?? '');
          if (!known) throw err;
          expect(statusOf(err)).toBeLessThan(500);
          return;
        }
        const rel = path.relative(root, resolved);
        expect(rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))).toBe(true);
        expect(resolved.startsWith(root + path.sep) || resolved === root).toBe(true);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  }, 60_000);

  describe('over the socket', () => {
    let aqua: AquaServer;
    let port: number;

    beforeAll(async () => {
      aqua = createAquaServer({ root, host: '127.0.0.1' });
      ({ port } = await aqua.listen());
    });
    afterAll(() => aqua.close());

    /** Segments as they can appear on a request line: ASCII, non-ASCII percent-encoded. */
    const wirePath = rawPath.map((p) =>
      p
        .replace(/[^\x21-\x7e]/gu, (c) => (c === '\0' ? '%00' : encodeURIComponent(c)))
        .replace(/#/g, '%23')
        .replace(/\?/g, '%3F'),
    );

    it('random hostile paths: never the secret, never a 5xx, never a scheme-relative Location', async () => {
      await fc.assert(
        fc.asyncProperty(wirePath, async (p) => {
          const { text } = await rawExchange(port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 3_000);
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
          expect([200, 301, 400, 404]).toContain(status);
          expect(text).not.toContain(SECRET);
          const location = /\r\nlocation: ([^\r\n]*)/i.exec(text)?.[1];
          if (location !== undefined) expect(location).toMatch(/^\/(?![/\\])/);
        }),
        { seed: SEED, numRuns: 400 },
      );
    }, 60_000);

    // Known bad inputs of other Node static servers (send/serve-static, http-server/ecstatic, st, node-static).
    const rows: { name: string; target: string; status: number | number[]; location?: string }[] = [
      { name: '%2e%2e traversal (st, node-static)', target: '/%2e%2e/secret.txt', status: 404 },
      { name: '%2e%2e deep traversal', target: '/sub/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd', status: 404 },
      { name: '..%2f traversal', target: '/..%2fsecret.txt', status: 404 },
      { name: '..%5c traversal (Windows separators)', target: '/sub/..%5c..%5csecret.txt', status: 404 },
      { name: 'double-encoded %252e%252e', target: '/%252e%252e/secret.txt', status: 404 },
      {
        name: 'overlong UTF-8 dots %c0%ae are bytes of a name, not dots',
        target: '/%c0%ae%c0%ae/secret.txt',
        status: 404,
      },
      { name: 'prefix sibling (startsWith(root) bug)', target: '/../root-evil/file.txt', status: 404 },
      { name: 'symlink out of the root', target: '/link-out', status: 404 },
      {
        name: 'open redirect //evil.com/folder (serve-static CVE-2015-1164)',
        target: '//evil.com',
        status: 301,
        location: '/evil.com/',
      },
      { name: 'open redirect ///evil.com', target: '///evil.com', status: 301, location: '/evil.com/' },
      { name: 'open redirect //evil.com/%2e%2e', target: '//evil.com/%2e%2e', status: 404 },
      { name: 'open redirect /%2fevil.com', target: '/%2fevil.com', status: 404 },
      { name: 'open redirect /%5cevil.com', target: '/%5cevil.com', status: 404 },
      { name: 'open redirect /\\evil.com', target: '/\\evil.com', status: [400, 404] },
      {
        name: 'redirect keeps the query verbatim, still one slash',
        target: '//evil.com?next=//x',
        status: 301,
        location: '/evil.com/?next=//x',
      },
      { name: 'dotfile', target: '/.env', status: 404 },
      { name: 'dotfile via /./', target: '/./.env', status: 404 },
      { name: 'dotfile via //', target: '//.env', status: 404 },
      { name: 'dotfile percent-encoded', target: '/%2eenv', status: 404 },
      { name: 'dotfile percent-encoded letters', target: '/%2E%65%6E%76', status: 404 },
      { name: 'dotfile in other case', target: '/.ENV', status: 404 },
      { name: 'dotfile after a parent segment', target: '/sub/../.env', status: 404 },
      { name: 'dotfile with a trailing dot', target: '/.env.', status: 404 },
      { name: 'dotfile with a trailing slash', target: '/.env/', status: 404 },
      { name: 'NUL before an extension', target: '/file.txt%00.html', status: 400 },
      { name: 'NUL flood', target: '/' + '%00'.repeat(2000), status: 400 },
      { name: 'raw unicode dot leader is just a name', target: '/%e2%80%a4%e2%80%a4/secret.txt', status: 404 },
    ];

    for (const row of rows) {
      it(`${row.name}: ${row.target.slice(0, 40)} → ${String(row.status)}`, async () => {
        const { text } = await rawExchange(port, `GET ${row.target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
        expect([row.status].flat()).toContain(status);
        expect(text).not.toContain(SECRET);
        const location = /\r\nlocation: ([^\r\n]*)/i.exec(text)?.[1];
        expect(location).toBe(row.location);
      });
    }

    it('a pipelined flood of 500 NUL paths: 500 answers of 400, server still serving', async () => {
      const one = `GET /a%00b${'%00'.repeat(50)} HTTP/1.1\r\nHost: x\r\n\r\n`;
      const { text } = await rawExchange(
        port,
        one.repeat(499) + one.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'),
        10_000,
      );
      expect(text.match(/^HTTP\/1\.1 400 /gm)?.length).toBe(500);
      const ok = await rawExchange(port, 'GET /file.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(ok.text).toMatch(/^HTTP\/1\.1 200 /);
    }, 20_000);

    it.each([
      'garbage',
      '',
      '0',
      '-1',
      'null',
      'Infinity',
      '99999999999999999999999',
      'Thu, 32 Jan 2020 00:00:00 GMT',
      'Mon, 01 Jan 0000 00:00:00 GMT',
      'x'.repeat(8_000),
      'Thu, 01 Jan 1970 00:00:00 GMT, Thu, 01 Jan 1970 00:00:00 GMT',
    ])('malformed If-Modified-Since %j is ignored: 200 with the body', async (value) => {
      const { text } = await rawExchange(
        port,
        `GET /file.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: ${value}\r\nConnection: close\r\n\r\n`,
      );
      expect(text).toMatch(/^HTTP\/1\.1 200 /);
      expect(text.endsWith('inside\n')).toBe(true);
    });
  });
});

describe('file names that inject HTML into the listing', () => {
  const NAMES = [
    '<img src=x onerror=alert(1)>.txt',
    '"><svg onload=alert(1)>',
    '<script>alert(1)<\\script>',
    "'onmouseover='alert(1)'.txt",
    'a&amp;b.txt',
    'javascript:alert(1)',
    '%3Cscript%3E.txt',
    'new\nline.txt',
    '#frag?query.txt',
    '<title>x',
  ];
  let dir: string;
  let aqua: AquaServer;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-inject-'));
    for (const n of NAMES) writeFileSync(path.join(dir, n), 'x');
    mkdirSync(path.join(dir, '<b>folder<\\b>'));
    aqua = createAquaServer({ root: dir, host: '127.0.0.1' });
    ({ port } = await aqua.listen());
  });
  afterAll(async () => {
    await aqua?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no name appears unescaped in the HTML listing, and every link leads back to its file', async () => {
    const { text } = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    const html = text.slice(text.indexOf('\r\n\r\n') + 4);
    for (const n of [...NAMES, '<b>folder<\\b>']) {
      if (/[<>"'&]/.test(n)) expect(html).not.toContain(n);
    }
    // Injected text may show as text (escaped), never as markup.
    expect(html).not.toMatch(/<img src=x|<svg onload|<script>alert|<title>x|<b>folder/i);
    expect(html).not.toMatch(/href="javascript:/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    for (const h of hrefs) expect(h).not.toMatch(/[<>'"\s]/);
    // Each file's link, followed, serves that file (a backslash too: on Linux it is an ordinary byte).
    for (const n of NAMES) {
      const encoded = '/' + encodeURIComponent(n);
      const { text: file } = await rawExchange(port, `GET ${encoded} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect([n, file.slice(0, 12)]).toEqual([n, 'HTTP/1.1 200']);
    }
  });

  it('the JSON listing carries the names exactly', async () => {
    const { text } = await rawExchange(
      port,
      'GET /?format=json HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n',
    );
    const json = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { entries: { name: string }[] };
    expect(json.entries.map((e) => e.name).sort()).toEqual([...NAMES, '<b>folder<\\b>'].sort());
  });
});
