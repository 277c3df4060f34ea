import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./serve-child.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/aqua-serve.js', import.meta.url));

/** A server running in a child process, so its RSS and open descriptors can be read from /proc. */
export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resident memory now, in MiB. */
  rssMiB(): number;
  /** Peak resident memory since start, in MiB. */
  peakRssMiB(): number;
  /** Open file descriptors now. */
  fds(): number;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** SIGKILL if still running. */
  kill(): void;
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

async function start(args: string[], ready: RegExp, timeoutMs = 15_000, openFiles?: number): Promise<Child> {
  // With `openFiles`, the child runs under `ulimit -n` (set by sh, which then becomes node: same pid).
  const [command, argv] =
    openFiles === undefined
      ? [process.execPath, args]
      : ['sh', ['-c', `ulimit -n ${openFiles} && exec "$0" "$@"`, process.execPath, ...args]];
  const proc = spawn(command, argv, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), timeoutMs);
    const check = (): void => {
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        proc.stdout?.off('data', check);
        resolve(Number(match[1]));
      }
    };
    proc.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${out}`));
    });
  });
  const pid = proc.pid as number;
  return {
    proc,
    pid,
    port,
    output: () => out,
    rssMiB: () => statusField(pid, 'VmRSS'),
    peakRssMiB: () => statusField(pid, 'VmHWM'),
    fds: () => readdirSync(`/proc/${pid}/fd`).length,
    exited,
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/**
 * `createAquaServer(options)` in a child process on 127.0.0.1 (options must be JSON); with `openFiles`,
 * under that `ulimit -n`.
 */
export function startScript(options: Record<string, unknown>, openFiles?: number): Promise<Child> {
  return start([CHILD, JSON.stringify(options)], /LISTENING (\d+)/, 15_000, openFiles);
}

/** The real CLI on 127.0.0.1 and a free port; reads the port from its banner. */
export function startCli(args: string[]): Promise<Child> {
  return start(
    [BIN, '-H', '127.0.0.1', '-p', '0', '--log-format', 'json', ...args],
    /Local:\s+https?:\/\/127\.0\.0\.1:(\d+)\//,
  );
}

export interface Fetched {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  sha256: string;
  /** The body ended cleanly (not cut by a reset). */
  complete: boolean;
}

/** GET over a fresh connection; hashes the body instead of keeping it. Never rejects on a reset: `complete` says. */
export function fetchHash(
  port: number,
  path: string,
  headers: http.OutgoingHttpHeaders = {},
  timeoutMs = 60_000,
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      let finished = false;
      const done = (complete: boolean): void => {
        if (finished) return; // 'aborted' and 'error' may both come
        finished = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, sha256: hash.digest('hex'), complete });
      };
      res.once('end', () => done(true));
      res.once('aborted', () => done(false));
      res.once('error', () => done(false));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${path}`)));
    req.once('error', reject);
    req.end();
  });
}

/** Write raw bytes on a new connection and collect everything until the server closes it (or `timeoutMs`). */
export function rawExchange(
  port: number,
  data: string | Buffer,
  timeoutMs = 5_000,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.once('close', () => {
      closed = true;
      finish();
    });
    socket.once('error', () => undefined);
    socket.write(data);
  });
}

/** Poll `probe` until it returns true or `timeoutMs` passes; returns the last result. */
export async function waitFor(probe: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (probe()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return probe();
}

/** Run `tasks` with at most `limit` at a time. */
export async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes (fast to make, incompressible enough, same on every run). */
export function patternBytes(size: number, seed = 1): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf.writeUInt32LE(x >>> 0, i);
  }
  for (let i = size - (size % 4); i < size; i++) buf[i] = i & 0xff;
  return buf;
}

/** A throwaway self-signed certificate for 127.0.0.1 (openssl ships with Debian and macOS). */
export function makeCert(dir: string): { cert: Buffer; certFile: string; keyFile: string } {
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile), certFile, keyFile };
}
