/** An aqua-serve over TLS with one HTTP/2 client session, as the HTTP/2 tests of uploads and WebDAV use it. */
import { mkdir, readFile } from 'node:fs/promises';
import http2, { type Http2SecureServer } from 'node:http2';
import path from 'node:path';
import { createAquaServer, type AquaServer, type AquaServerOptions } from '../../src/index.js';
import { tempDir } from '../helpers.js';
import { makeCert } from '../stress/support.js';

export interface H2Fixture {
  /** The served folder (empty at the start). */
  readonly root: string;
  /** `https://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly session: http2.ClientHttp2Session;
  readonly server: AquaServer<Http2SecureServer>;
  /** Close the session and the server, remove the folders. */
  close(): Promise<void>;
}

/** Serve a fresh empty folder over TLS (a certificate of its own) with `options`, and connect one session to it. */
export async function startH2(prefix: string, options: Omit<AquaServerOptions, 'root' | 'tls'>): Promise<H2Fixture> {
  const t = await tempDir(prefix);
  const root = path.join(t.dir, 'root');
  await mkdir(root);
  const { cert, keyFile } = makeCert(t.dir);
  const key = await readFile(keyFile);
  const server = createAquaServer({ ...options, root, tls: { cert, key } });
  const { port } = await server.listen(0, '127.0.0.1');
  const origin = `https://127.0.0.1:${port}`;
  const session = http2.connect(origin, { ca: cert });
  return {
    root,
    origin,
    session,
    server,
    async close() {
      session.close();
      await server.close();
      await t.cleanup();
    },
  };
}

/** One request on `session`: its status, headers and whole body. */
export function h2Request(
  session: http2.ClientHttp2Session,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': method, ':path': target, ...headers });
    let head: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (head = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.end(body);
  });
}
