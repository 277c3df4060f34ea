import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHash, patternBytes, rawExchange, sha256, startScript, waitFor, type Child } from './support.js';

const BIG = 13 * 1024 * 1024;
const TINY = 'hello, aqua!\n';

/** Split a raw HTTP/1.1 stream into the status lines of its responses. */
function statusLines(text: string): string[] {
  return text.match(/^HTTP\/1\.[01] \d{3}[^\r\n]*/gm) ?? [];
}

describe('slowloris', () => {
  let dir: string;
  let server: Child;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-loris-'));
    writeFileSync(path.join(dir, 'tiny.txt'), TINY);
    server = await startScript({ root: dir, timeouts: { headersMs: 3_000 } });
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('300 connections trickling headers do not delay normal requests and are dropped after headersTimeout', async () => {
    const loris: net.Socket[] = [];
    let closed = 0;
    let got408 = 0;
    for (let i = 0; i < 300; i++) {
      const s = net.connect(server.port, '127.0.0.1', () => s.write('GET /tiny.txt HTTP/1.1\r\nHost: x\r\n'));
      s.on('data', (d: Buffer) => {
        if (d.toString('latin1').startsWith('HTTP/1.1 408')) got408++;
      });
      s.once('close', () => closed++);
      s.once('error', () => undefined);
      loris.push(s);
    }
    const trickle = setInterval(() => {
      for (const s of loris) if (!s.destroyed) s.write(`X-${Math.random().toString(36).slice(2, 6)}: a\r\n`);
    }, 300);
    try {
      const started = Date.now();
      const latencies: number[] = [];
      while (Date.now() - started < 1_500) {
        const t = Date.now();
        const r = await fetchHash(server.port, '/tiny.txt', {}, 5_000);
        latencies.push(Date.now() - t);
        expect(r.status).toBe(200);
        await new Promise((res) => setTimeout(res, 100));
      }
      // Normal requests were all served while every trickling connection was still open (a server
      // blocked by them would answer only once headersTimeout cleared them). The latency bound is
      // loose: the machine may be busy with other tests.
      expect(closed).toBe(0);
      expect(latencies.length).toBeGreaterThan(3);
      expect(Math.max(...latencies)).toBeLessThan(2_000);
      // headersTimeout 3 s, checked every second: all gone well before 8 s.
      expect(await waitFor(() => closed === loris.length, 8_000)).toBe(true);
      expect(got408).toBeGreaterThan(0);
      expect(Date.now() - started).toBeGreaterThan(1_500);
    } finally {
      clearInterval(trickle);
      for (const s of loris) s.destroy();
    }
    expect((await fetchHash(server.port, '/tiny.txt')).status).toBe(200);
  }, 20_000);
});

describe('files that change while they stream', () => {
  let dir: string;
  let server: Child;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-change-'));
    writeFileSync(path.join(dir, 'tiny.txt'), TINY);
    server = await startScript({ root: dir });
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  /** GET `name` on a kept-alive raw connection; `change` runs once the first bytes arrive, while the client pauses. */
  function getWhileChanging(
    name: string,
    change: () => void,
  ): Promise<{ contentLength: number; body: Buffer; closed: boolean }> {
    return new Promise((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.once('error', () => undefined);
      const chunks: Buffer[] = [];
      let changed = false;
      let closed = false;
      const finish = (): void => {
        clearTimeout(timer);
        socket.destroy();
        const all = Buffer.concat(chunks);
        const head = all.indexOf('\r\n\r\n');
        const headers = all.subarray(0, head).toString('latin1');
        const contentLength = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? -1);
        resolve({ contentLength, body: all.subarray(head + 4), closed });
      };
      const timer = setTimeout(finish, 15_000);
      let total = 0;
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        total += d.length;
        if (!changed) {
          changed = true;
          socket.pause();
          change();
          setTimeout(() => socket.resume(), 100);
        }
        // Kept alive and complete: stop waiting once the promised bytes are in.
        const all = Buffer.concat(chunks);
        const head = all.indexOf('\r\n\r\n');
        const cl = Number(/content-length: (\d+)/i.exec(all.subarray(0, head).toString('latin1'))?.[1] ?? -1);
        if (head >= 0 && total - head - 4 >= cl) setTimeout(finish, 200); // wait a moment for extra bytes
      });
      socket.once('close', () => {
        closed = true;
        finish();
      });
      socket.write(`GET /${name} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
  }

  it('truncated: the connection is closed, never a short body on a kept-alive connection', async () => {
    writeFileSync(path.join(dir, 'shrinks.bin'), patternBytes(BIG, 11));
    const r = await getWhileChanging('shrinks.bin', () => truncateSync(path.join(dir, 'shrinks.bin'), 100 * 1024));
    expect(r.contentLength).toBe(BIG);
    expect(r.body.length).toBeLessThan(BIG);
    expect(r.closed).toBe(true);
    expect((await fetchHash(server.port, '/tiny.txt')).status).toBe(200);
  }, 20_000);

  it('grown: exactly Content-Length bytes, and the kept-alive connection serves the next request', async () => {
    const original = patternBytes(BIG, 12);
    writeFileSync(path.join(dir, 'grows.bin'), original);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (grow: boolean): Promise<{ status: number; body: Buffer; reused: boolean }> =>
      new Promise((resolve, reject) => {
        let first = grow;
        const req = http.get({ host: '127.0.0.1', port: server.port, path: '/grows.bin', agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            if (first) {
              first = false;
              appendFileSync(path.join(dir, 'grows.bin'), patternBytes(1024 * 1024, 99));
            }
          });
          res.once('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), reused: req.reusedSocket }),
          );
          res.once('aborted', () => reject(new Error('aborted')));
        });
        req.once('error', reject);
      });
    const one = await get(true);
    expect(one.body.length).toBe(BIG);
    expect(sha256(one.body)).toBe(sha256(original));
    const two = await get(false);
    expect(two.reused).toBe(true);
    expect(two.status).toBe(200);
    expect(two.body.length).toBe(BIG + 1024 * 1024);
    agent.destroy();
  }, 20_000);

  it('replaced by rename: the running response keeps the old bytes, the next one gets the new file', async () => {
    const before = patternBytes(BIG, 21);
    const after = patternBytes(1024 * 1024, 22);
    writeFileSync(path.join(dir, 'replaced.bin'), before);
    const r = await getWhileChanging('replaced.bin', () => {
      writeFileSync(path.join(dir, 'replaced.tmp'), after);
      renameSync(path.join(dir, 'replaced.tmp'), path.join(dir, 'replaced.bin'));
    });
    expect(r.contentLength).toBe(BIG);
    expect(r.body.length).toBe(BIG);
    expect(sha256(r.body)).toBe(sha256(before));
    const next = await fetchHash(server.port, '/replaced.bin');
    expect(next).toMatchObject({ status: 200, bytes: after.length, sha256: sha256(after) });
  }, 20_000);
});

describe('malformed and unusual requests', () => {
  let dir: string;
  let server: Child;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-malformed-'));
    writeFileSync(path.join(dir, 'tiny.txt'), TINY);
    server = await startScript({ root: dir });
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `statuses`: the status of each response in order; with `oneOf`, the single response may have any of them. */
  const rows: { name: string; request: string; statuses: string[]; oneOf?: boolean; body?: string }[] = [
    { name: 'garbage request line', request: 'HELLO THERE\r\n\r\n', statuses: ['400'] },
    { name: 'binary garbage', request: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', statuses: ['400'] },
    {
      name: 'headers over the limit',
      request: `GET /tiny.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      statuses: ['431'],
    },
    // node counts the bytes of names and values (not ': ' and CRLF) against the 16 KiB limit.
    {
      name: 'many headers over the limit',
      request: `GET /tiny.txt HTTP/1.1\r\nHost: x\r\n${'X-Abcdefgh: b\r\n'.repeat(3000)}\r\n`,
      statuses: ['431'],
    },
    {
      name: 'absolute-form target',
      request: 'GET http://127.0.0.1/tiny.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      statuses: ['200'],
      body: TINY,
    },
    {
      name: 'absolute-form with traversal',
      request: 'GET http://x/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      statuses: ['404'],
    },
    { name: 'HTTP/1.0 without Host', request: 'GET /tiny.txt HTTP/1.0\r\n\r\n', statuses: ['200'], body: TINY },
    {
      name: 'HTTP/1.1 without Host',
      request: 'GET /tiny.txt HTTP/1.1\r\nConnection: close\r\n\r\n',
      statuses: ['400'],
    },
    {
      name: 'pipelined requests answered in order',
      request:
        'GET /tiny.txt HTTP/1.1\r\nHost: x\r\n\r\nHEAD /tiny.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      statuses: ['200', '200', '404'],
    },
    {
      name: 'body on GET, then a pipelined request',
      request:
        'GET /tiny.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /tiny.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      statuses: ['200', '200'],
    },
    {
      name: 'chunked body on GET',
      request:
        'GET /tiny.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      statuses: ['200'],
    },
    {
      name: 'unknown Expect',
      request: 'GET /tiny.txt HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close\r\n\r\n',
      statuses: ['417'],
    },
    {
      name: 'Content-Length and Transfer-Encoding (smuggling)',
      request: 'GET /tiny.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      statuses: ['400'],
    },
    {
      name: 'two different Content-Lengths',
      request: 'GET /tiny.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      statuses: ['400'],
    },
    {
      name: 'control character in a header',
      request: 'GET /tiny.txt HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n',
      statuses: ['400'],
    },
    {
      name: 'bare LF line endings',
      request: 'GET /tiny.txt HTTP/1.1\nHost: x\nConnection: close\n\n',
      statuses: ['200', '400'],
      oneOf: true,
    },
    {
      name: 'POST',
      request: 'POST /tiny.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi',
      statuses: ['405'],
    },
    { name: 'unknown method', request: 'BREW /tiny.txt HTTP/1.1\r\nHost: x\r\n\r\n', statuses: ['400'] },
    {
      name: 'asterisk-form OPTIONS',
      request: 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      statuses: ['204'],
    },
    {
      name: 'authority-form on GET',
      request: 'GET 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      statuses: ['400'],
    },
    {
      name: 'HTTP/2 preface on the HTTP/1.1 port',
      request: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      statuses: ['400', '505'],
      oneOf: true,
    },
    {
      name: 'unsupported HTTP version',
      request: 'GET /tiny.txt HTTP/9.9\r\nHost: x\r\n\r\n',
      statuses: ['400', '505'],
      oneOf: true,
    },
    {
      name: 'NUL in the target',
      request: 'GET /tiny%00.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      statuses: ['400'],
    },
    {
      name: 'bad percent-encoding',
      request: 'GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      statuses: ['400'],
    },
    {
      name: 'very long target under the header limit',
      request: `GET /${'a'.repeat(8_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      statuses: ['404'],
    },
  ];

  for (const row of rows) {
    it(`${row.name} → ${row.statuses.join(', ')}`, async () => {
      const { text, closed } = await rawExchange(server.port, row.request, 3_000);
      const got = statusLines(text).map((l) => l.split(' ')[1]);
      if (row.oneOf) {
        expect(got.length).toBe(1);
        expect(row.statuses).toContain(got[0]);
      } else {
        expect(got).toEqual(row.statuses);
      }
      expect(closed).toBe(true);
      expect(text).not.toMatch(/at .*\.js:\d+|Error:|\/tmp\//);
      if (row.body !== undefined) expect(text.endsWith(row.body)).toBe(true);
    });
  }

  it('Expect: 100-continue gets 100 Continue, then the answer', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.once('error', () => undefined);
    let text = '';
    let sent = false;
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('100 Continue') && !sent) {
        sent = true;
        socket.write('hello');
      }
    });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(
      'GET /tiny.txt HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n',
    );
    await Promise.race([closed, new Promise((r) => setTimeout(r, 3_000))]);
    socket.destroy();
    expect(sent).toBe(true);
    expect(statusLines(text).map((l) => l.split(' ')[1])).toEqual(['100', '200']);
    expect(text.endsWith(TINY)).toBe(true);
  });

  it('the server is still up after all of it', async () => {
    expect(server.proc.exitCode).toBe(null);
    expect(await fetchHash(server.port, '/tiny.txt')).toMatchObject({ status: 200, bytes: TINY.length });
  });
});

describe('--max-connections', () => {
  let dir: string;
  let server: Child;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-maxconn-'));
    writeFileSync(path.join(dir, 'tiny.txt'), TINY);
    server = await startScript({ root: dir, maxConnections: 5, timeouts: { keepAliveMs: 30_000 } });
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('beyond the limit: a quick 503 with Retry-After, then close; below it again: served', async () => {
    const held: net.Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const s = net.connect(server.port, '127.0.0.1');
      s.once('error', () => undefined);
      await new Promise<void>((resolve) => {
        s.once('data', () => resolve());
        s.write('GET /tiny.txt HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      held.push(s);
    }
    const t = Date.now();
    const { text, closed } = await rawExchange(server.port, 'GET /tiny.txt HTTP/1.1\r\nHost: x\r\n\r\n', 3_000);
    expect(statusLines(text)[0]).toMatch(/^HTTP\/1\.1 503/);
    expect(text).toMatch(/retry-after: 1/i);
    expect(closed).toBe(true);
    expect(Date.now() - t).toBeLessThan(1_500);
    for (const s of held) s.destroy();
    await waitFor(() => false, 200);
    expect((await fetchHash(server.port, '/tiny.txt')).status).toBe(200);
  }, 15_000);
});
