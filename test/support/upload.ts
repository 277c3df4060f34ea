/** Shared pieces of the upload tests: raw requests with bodies, a log to await events on, files to compare. */
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export const USER = 'ada:s3cret';
export const AUTH = { Authorization: 'Basic ' + Buffer.from(USER).toString('base64') };
export const TUS = { 'Tus-Resumable': '1.0.0' };

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request over a fresh connection, the path sent as it is; `body` written whole. */
export function call(
  port: number,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Send a request head announcing more body bytes than `part`, then only `part`, then close the connection:
 * a client that went away mid-upload. `end` sends a FIN after the bytes (the server reads every one of them);
 * `reset` an RST (it may lose those still unread). Resolves once the socket is closed.
 */
export function sendCut(port: number, head: string, part: Buffer, how: 'end' | 'reset' = 'reset'): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      socket.write(part, () => (how === 'end' ? socket.end() : socket.resetAndDestroy()));
    });
    socket.resume();
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** A request head for `sendCut`. */
export function rawHead(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: 'localhost', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * A debug logger whose records can be awaited: `next('upload interrupted')` resolves with the next record of
 * that message logged from now on; with `past`, also with one logged before (the oldest not yet taken).
 */
export function eventLog(): {
  logger: Logger;
  next: (msg: string, past?: boolean) => Promise<Record<string, unknown>>;
} {
  const seen: Record<string, unknown>[] = [];
  const waiting: { msg: string; resolve: (r: Record<string, unknown>) => void }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      const record = JSON.parse(chunk.toString()) as Record<string, unknown>;
      const i = waiting.findIndex((w) => w.msg === record.msg);
      if (i >= 0) waiting.splice(i, 1)[0]?.resolve(record);
      else seen.push(record);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const next = (msg: string, past = false): Promise<Record<string, unknown>> => {
    const i = seen.findIndex((r) => r.msg === msg);
    if (past && i >= 0) return Promise.resolve(seen.splice(i, 1)[0] as Record<string, unknown>);
    if (!past) seen.length = 0;
    return new Promise((resolve) => waiting.push({ msg, resolve }));
  };
  return { logger, next };
}

/** Random bytes (fast enough for hundreds of MiB). */
export function randomBytesOf(size: number): Buffer {
  return randomFillSync(Buffer.allocUnsafe(size));
}

/** Write a file of `size` random bytes, 16 MiB at a time; resolves with its SHA-256. */
export async function writeRandomFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(file, 'w');
  try {
    const block = Buffer.allocUnsafe(16 * 1024 * 1024);
    for (let done = 0; done < size;) {
      const n = Math.min(block.length, size - done);
      randomFillSync(block, 0, n);
      await fh.write(block, 0, n);
      hash.update(block.subarray(0, n));
      done += n;
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/** SHA-256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `Upload-Metadata` for these pairs. */
export function metadata(pairs: Record<string, string>): string {
  return Object.entries(pairs)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

/**
 * A temporary folder in memory (/dev/shm) where there is one, else in the system's temp folder: the big upload
 * tests write hundreds of MiB and fsync them, which on a shared disk slows every other test running meanwhile.
 */
export async function memoryTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const base = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = await mkdtemp(path.join(base, prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
