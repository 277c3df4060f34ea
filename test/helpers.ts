import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createAquaServer, type AquaServer, type AquaServerOptions } from '../src/index.js';

export interface Running {
  readonly aqua: AquaServer;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Start aqua on 127.0.0.1, port 0. */
export async function start(options: AquaServerOptions): Promise<Running> {
  const aqua = createAquaServer({ graceSeconds: 1, ...options });
  const { port } = await aqua.listen(0, '127.0.0.1');
  return { aqua, port, url: `http://127.0.0.1:${port}`, close: () => aqua.close() };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A request whose path reaches the server byte for byte (no URL normalisation). */
export function request(
  port: number,
  rawPath: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: rawPath,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Send raw bytes on a fresh connection; resolve with everything the server sent before closing (or the timeout). */
export function rawExchange(port: number, data: string | Buffer, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('connect', () => socket.write(data));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(err);
    });
  });
}

export async function tempDir(prefix = 'aqua-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Number of descriptors this process holds open. */
export async function openFds(pid: number | 'self' = 'self'): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(`/proc/${pid}/fd`)).length;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface SpawnedCli {
  readonly child: import('node:child_process').ChildProcessWithoutNullStreams;
  /** The port of the `Local:` URL the banner printed. */
  readonly port: number;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Send a signal and resolve with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawn the real `aqua-serve` bin and wait until its banner names the local URL on 127.0.0.1. */
export async function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<SpawnedCli> {
  const { spawn } = await import('node:child_process');
  const bin = path.resolve('bin/aqua-serve.js');
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, PORT: '', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL printed within 10 s; stdout=${out} stderr=${err}`));
    }, 10_000);
    const look = (): void => {
      const m = /Local: +http:\/\/(?:127\.0\.0\.1|localhost):(\d+)\//.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve(Number(m[1]));
    };
    child.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`exited ${code} before printing a URL: ${err}`)));
  });
  return {
    child,
    port,
    stdout: () => out,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}
