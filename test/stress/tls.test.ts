import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGone } from '../../src/respond/body.js';
import { createAquaServer } from '../../src/server/index.js';
import { makeCert, patternBytes, rawExchange, sha256, startCli, waitFor, type Child } from './support.js';

const BIG = 13 * 1024 * 1024;
const USER = 'ada';
const PASSWORD = 'p:ss wörd';
const AUTH = 'Basic ' + Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

interface H2Answer {
  headers: http2.IncomingHttpHeaders;
  bytes: number;
  sha256: string;
}

function h2get(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    const chunks: Buffer[] = [];
    let answer: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => (answer = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => {
      const body = Buffer.concat(chunks);
      resolve({ headers: answer, bytes: body.length, sha256: sha256(body) });
    });
    stream.once('error', reject);
    stream.end();
  });
}

function httpsGet(
  port: number,
  ca: Buffer,
  p: string,
  headers: Record<string, string>,
  agent?: https.Agent,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; alpn: string | false | null }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, ca, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      const alpn = (res.socket as TLSSocket).alpnProtocol;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), alpn }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

describe('HTTPS: HTTP/2 and HTTP/1.1 fallback, with --auth, through the CLI', () => {
  let dir: string;
  let cert: Buffer;
  let server: Child;
  let big: Buffer;
  let session: http2.ClientHttp2Session;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-tls-'));
    const files = makeCert(dir);
    cert = files.cert;
    const root = path.join(dir, 'root');
    execFileSync('mkdir', ['-p', path.join(root, 'sub')]);
    big = patternBytes(BIG, 41);
    writeFileSync(path.join(root, 'big.bin'), big);
    writeFileSync(path.join(root, 'tiny.txt'), 'hello, aqua!\n');
    server = await startCli([
      '--tls-cert',
      files.certFile,
      '--tls-key',
      files.keyFile,
      '--auth',
      `${USER}:${PASSWORD}`,
      '--log-level',
      'error',
      root,
    ]);
    session = http2.connect(`https://127.0.0.1:${server.port}`, { ca: cert });
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
  });

  afterAll(() => {
    session?.close();
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates h2 and serves the exact bytes', async () => {
    expect(session.alpnProtocol).toBe('h2');
    const r = await h2get(session, { ':path': '/big.bin', authorization: AUTH });
    expect(r.headers[':status']).toBe(200);
    expect(r.headers['content-length']).toBe(String(BIG));
    expect(r).toMatchObject({ bytes: BIG, sha256: sha256(big) });
  });

  it('h2: 401 with the Basic challenge without credentials or with wrong ones; listings too', async () => {
    for (const authorization of [
      undefined,
      'Basic ' + Buffer.from(`${USER}:wrong`).toString('base64'),
      'Bearer x',
      'Basic !!!',
    ]) {
      for (const p of ['/tiny.txt', '/', '/sub/', '/missing']) {
        const headers: http2.OutgoingHttpHeaders = { ':path': p };
        if (authorization) headers.authorization = authorization;
        const r = await h2get(session, headers);
        expect(r.headers[':status']).toBe(401);
        expect(r.headers['www-authenticate']).toBe('Basic realm="aqua-serve", charset="UTF-8"');
      }
    }
  });

  it('h2: HEAD, 404, folder redirect, listing, 50 parallel streams', async () => {
    const head = await h2get(session, { ':path': '/tiny.txt', ':method': 'HEAD', authorization: AUTH });
    expect(head.headers[':status']).toBe(200);
    expect(head.headers['content-length']).toBe('13');
    expect(head.bytes).toBe(0);
    expect((await h2get(session, { ':path': '/missing', authorization: AUTH })).headers[':status']).toBe(404);
    const redirect = await h2get(session, { ':path': '/sub', authorization: AUTH });
    expect(redirect.headers[':status']).toBe(301);
    expect(redirect.headers.location).toBe('/sub/');
    const listing = await h2get(session, { ':path': '/', authorization: AUTH });
    expect(listing.headers[':status']).toBe(200);
    const many = await Promise.all(
      Array.from({ length: 50 }, () => h2get(session, { ':path': '/tiny.txt', authorization: AUTH })),
    );
    expect(many.every((r) => Number(r.headers[':status']) === 200 && r.bytes === 13)).toBe(true);
  });

  it('h2: 100 streams cancelled mid-body (some while the server waits for the window) leak no descriptor', async () => {
    await waitFor(() => false, 300);
    const idle = server.fds();
    await Promise.all(
      Array.from(
        { length: 100 },
        (_, i) =>
          new Promise<void>((resolve) => {
            const stream = session.request({ ':path': '/big.bin', authorization: AUTH });
            let seen = 0;
            stream.on('data', (d: Buffer) => {
              seen += d.length;
              if (seen < 64 * 1024 || stream.closed || stream.isPaused()) return;
              if (i % 2 === 0) stream.close(http2.constants.NGHTTP2_CANCEL);
              else {
                stream.pause();
                setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), 50 + (i % 7) * 20);
              }
            });
            stream.once('close', () => resolve());
            stream.once('error', () => undefined);
            stream.end();
          }),
      ),
    );
    expect(await waitFor(() => server.fds() <= idle, 5_000)).toBe(true);
    const after = await h2get(session, { ':path': '/big.bin', authorization: AUTH });
    expect(after).toMatchObject({ bytes: BIG, sha256: sha256(big) });
  }, 30_000);

  it('h2 rapid reset (CVE-2023-44487 style): 3000 streams opened and cancelled at once; the server stays up and leaks nothing', async () => {
    await waitFor(() => false, 300);
    const idle = server.fds();
    const attacker = http2.connect(`https://127.0.0.1:${server.port}`, { ca: cert });
    attacker.on('error', () => undefined);
    await new Promise<void>((r) => attacker.once('connect', () => r()));
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 3000 && !attacker.destroyed && !attacker.closed; i++) {
      const stream = attacker.request({ ':path': '/big.bin', authorization: AUTH });
      stream.on('error', () => undefined);
      closed.push(new Promise<void>((r) => stream.once('close', () => r())));
      stream.close(http2.constants.NGHTTP2_CANCEL);
    }
    await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, 10_000))]);
    attacker.destroy();
    expect(server.proc.exitCode).toBe(null);
    expect(await waitFor(() => server.fds() <= idle, 5_000)).toBe(true);
    // A new session: the shared one may have been idle for longer than the keep-alive time, and closed.
    const fresh = http2.connect(`https://127.0.0.1:${server.port}`, { ca: cert });
    const after = await h2get(fresh, { ':path': '/tiny.txt', authorization: AUTH });
    fresh.close();
    expect(after.headers[':status']).toBe(200);
  }, 30_000);

  it('HTTP/1.1 over TLS (no h2 in ALPN): same handler, same answers, keep-alive', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: cert });
    const r = await httpsGet(server.port, cert, '/big.bin', { authorization: AUTH }, agent);
    expect(r.alpn === false || r.alpn === 'http/1.1').toBe(true);
    expect(r.status).toBe(200);
    expect(sha256(r.body)).toBe(sha256(big));
    const denied = await httpsGet(server.port, cert, '/', {}, agent);
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Basic realm="aqua-serve", charset="UTF-8"');
    const redirect = await httpsGet(server.port, cert, '/sub', { authorization: AUTH }, agent);
    expect([redirect.status, redirect.headers.location]).toEqual([301, '/sub/']);
    agent.destroy();
  }, 30_000);
});

describe('isGone under HTTP/2', () => {
  it('is true, and does not throw, once the client cancelled the stream', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-h2gone-'));
    const { cert, certFile, keyFile } = makeCert(dir);
    let seen: boolean | string = 'not called';
    const closed = new Promise<void>((resolveClosed) => {
      const aqua = createAquaServer({
        tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) },
        host: '127.0.0.1',
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first');
          res.once('close', () => {
            try {
              seen = isGone(res);
            } catch (err) {
              seen = `threw ${(err as Error).name}`;
            }
            void aqua.close().then(resolveClosed);
          });
        },
      });
      void aqua.listen().then(({ port }) => {
        const session = http2.connect(`https://127.0.0.1:${port}`, { ca: cert });
        const stream = session.request({ ':path': '/' });
        stream.once('data', () => {
          stream.close(http2.constants.NGHTTP2_CANCEL);
          session.close();
        });
        stream.once('error', () => undefined);
        stream.end();
      });
    });
    await closed;
    rmSync(dir, { recursive: true, force: true });
    expect(seen).toBe(true);
  });
});

describe('HTTPS: graceful stop and --max-connections', () => {
  let dir: string;
  let files: { cert: Buffer; certFile: string; keyFile: string };
  let root: string;
  let big: Buffer;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-tlsstop-'));
    files = makeCert(dir);
    root = path.join(dir, 'root');
    execFileSync('mkdir', ['-p', root]);
    big = patternBytes(BIG, 43);
    writeFileSync(path.join(root, 'big.bin'), big);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM: the running h2 stream finishes, new connections are refused, exit 0 long before --grace', async () => {
    const server = await startCli([
      '--tls-cert',
      files.certFile,
      '--tls-key',
      files.keyFile,
      '--grace',
      '20',
      '--log-level',
      'error',
      root,
    ]);
    try {
      const session = http2.connect(`https://127.0.0.1:${server.port}`, { ca: files.cert });
      session.once('error', () => undefined);
      const stream = session.request({ ':path': '/big.bin' });
      const chunks: Buffer[] = [];
      const first = new Promise<void>((r) => stream.once('data', () => r()));
      stream.on('data', (c: Buffer) => chunks.push(c));
      const ended = new Promise<boolean>((r) => {
        stream.once('end', () => r(true));
        stream.once('error', () => r(false));
      });
      stream.end();
      await first;
      stream.pause();
      const stopAt = Date.now();
      server.proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      const refused = await new Promise<boolean>((r) => {
        const probe = http2.connect(`https://127.0.0.1:${server.port}`, { ca: files.cert });
        probe.once('connect', () => {
          probe.destroy();
          r(false);
        });
        probe.once('error', (err: NodeJS.ErrnoException) => r(err.code === 'ECONNREFUSED'));
      });
      expect(refused).toBe(true);
      stream.resume();
      expect(await ended).toBe(true);
      expect(sha256(Buffer.concat(chunks))).toBe(sha256(big));
      expect(await server.exited).toBe(0);
      expect(Date.now() - stopAt).toBeLessThan(8_000);
      session.destroy();
    } finally {
      server.kill();
    }
  }, 30_000);

  it('over the limit: h2 streams and HTTP/1.1-over-TLS requests get a quick 503', async () => {
    const aqua = createAquaServer({
      root,
      host: '127.0.0.1',
      maxConnections: 1,
      tls: { cert: files.cert, key: readFileSync(files.keyFile) },
    });
    const { port } = await aqua.listen();
    try {
      const first = http2.connect(`https://127.0.0.1:${port}`, { ca: files.cert });
      await new Promise<void>((r) => first.once('connect', () => r()));
      await waitFor(() => aqua.connections === 1, 2_000);
      const second = http2.connect(`https://127.0.0.1:${port}`, { ca: files.cert });
      second.once('error', () => undefined);
      const r = await h2get(second, { ':path': '/big.bin' });
      expect(r.headers[':status']).toBe(503);
      expect(r.headers['retry-after']).toBe('1');
      const h1 = await httpsGet(port, files.cert, '/big.bin', {});
      expect(h1.status).toBe(503);
      expect(h1.headers.connection).toBe('close');
      first.close();
      second.destroy();
    } finally {
      await aqua.close();
    }
  }, 20_000);
});

describe('HTTPS: slow clients', () => {
  it('a TCP connection that never starts TLS, and a TLS one that trickles its headers, are both dropped after headersTimeout', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-tlsslow-'));
    const files = makeCert(dir);
    writeFileSync(path.join(dir, 'tiny.txt'), 'hello, aqua!\n');
    const aqua = createAquaServer({
      root: dir,
      host: '127.0.0.1',
      timeouts: { headersMs: 1_500 },
      tls: { cert: files.cert, key: readFileSync(files.keyFile) },
    });
    const { port } = await aqua.listen();
    try {
      const started = Date.now();
      const silent = net.connect(port, '127.0.0.1');
      silent.once('error', () => undefined);
      const silentClosed = new Promise<number>((r) => silent.once('close', () => r(Date.now() - started)));
      const trickler = tls.connect({ host: '127.0.0.1', port, ca: files.cert, ALPNProtocols: ['http/1.1'] });
      trickler.once('error', () => undefined);
      await new Promise<void>((r) => trickler.once('secureConnect', () => r()));
      trickler.write('GET /tiny.txt HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => trickler.write('X-A: b\r\n'), 200);
      let answer = '';
      trickler.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      const tricklerClosed = new Promise<number>((r) => trickler.once('close', () => r(Date.now() - started)));
      const limit = new Promise<number>((r) => setTimeout(() => r(-1), 8_000));
      const [silentAfter, tricklerAfter] = await Promise.all([
        Promise.race([silentClosed, limit]),
        Promise.race([tricklerClosed, limit]),
      ]);
      clearInterval(drip);
      expect(silentAfter).toBeGreaterThanOrEqual(1_000);
      expect(tricklerAfter).toBeGreaterThanOrEqual(1_000);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      silent.destroy();
      trickler.destroy();
    } finally {
      await aqua.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});

describe('HTTPS: stop with a handshake in progress, plain HTTP on the TLS port', () => {
  it('close() does not wait for a TCP connection stuck before its TLS handshake beyond the grace period', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-tlshs-'));
    const files = makeCert(dir);
    const aqua = createAquaServer({
      root: dir,
      host: '127.0.0.1',
      graceSeconds: 1,
      tls: { cert: files.cert, key: readFileSync(files.keyFile) },
    });
    const { port } = await aqua.listen();
    const silent = net.connect(port, '127.0.0.1');
    silent.once('error', () => undefined);
    const connected = new Promise<void>((r) => silent.once('connect', () => r()));
    try {
      const plain = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 5_000);
      expect(plain.closed).toBe(true);
      expect(plain.text).not.toMatch(/^HTTP\/1\.1 200/);
      await connected;
      const t = Date.now();
      await Promise.race([aqua.close(), new Promise((r) => setTimeout(r, 8_000))]);
      expect(Date.now() - t).toBeLessThan(4_000);
    } finally {
      silent.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
