/**
 * Real caches and proxies in front of aqua-serve, for the interop tests: nginx, Varnish and Caddy, each
 * started on a free loopback port with its own config and work folder under `dir`, stopped by pid.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/** The full path of `name` on `PATH` (or in /usr/sbin, where Debian puts nginx and varnishd), or null. */
export function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** A port that was free a moment ago on 127.0.0.1 (the kernel's pick for port 0, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A started peer: its port, and a stop that signals it by pid and waits for it to exit. */
export interface Peer {
  readonly port: number;
  stop(): Promise<void>;
}

/** Poll until `port` answers any HTTP response, or fail with what the process printed. */
async function waitForHttp(port: number, child: ChildProcess, output: () => string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before listening: ${output()}`);
    const answered = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 1000 }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });
    if (answered) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no HTTP answer on ${port} within ${timeoutMs} ms: ${output()}`);
}

async function startPeer(command: string, args: string[], port: number, env: NodeJS.ProcessEnv = {}): Promise<Peer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForHttp(port, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}

/**
 * nginx in the foreground with `httpBlock` as the body of its `http {}`: every path it writes (pid, logs,
 * temp files) is under `dir`. `dir` must be readable by nginx's workers (which run as nobody under root).
 */
export async function startNginx(dir: string, httpBlock: string, port: number): Promise<Peer> {
  const binary = findBinary('nginx');
  if (binary === null) throw new Error('nginx is not installed');
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const temp = (name: string): string => `${name}_temp_path ${path.join(dir, name)};`;
  const config = [
    'daemon off;',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'logs', 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${path.join(dir, 'logs', 'access.log')};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => '  ' + temp(name)),
    httpBlock,
    '}',
    '',
  ].join('\n');
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, config);
  return startPeer(binary, ['-p', dir, '-c', file], port);
}

/**
 * varnishd in the foreground with the stock (builtin) VCL and `-b` as its backend, or with the VCL in
 * `vcl` when given (the builtin VCL still runs after it). Work folder `dir`, 64 MiB of memory storage.
 */
export async function startVarnish(dir: string, port: number, backendPort: number, vcl?: string): Promise<Peer> {
  const binary = findBinary('varnishd');
  if (binary === null) throw new Error('varnishd is not installed');
  const work = path.join(dir, 'work');
  await mkdir(work, { recursive: true });
  const args = ['-F', '-j', 'none', '-n', work, '-a', `127.0.0.1:${port}`, '-s', 'malloc,64m'];
  if (vcl === undefined) {
    args.push('-b', `127.0.0.1:${backendPort}`);
  } else {
    const file = path.join(dir, 'default.vcl');
    await writeFile(file, vcl);
    args.push('-f', file);
  }
  return startPeer(binary, args, port);
}

/** Caddy with `siteBlock` (a Caddyfile site), no admin endpoint, its data and config under `dir`. */
export async function startCaddy(dir: string, siteBlock: string, port: number): Promise<Peer> {
  const binary = findBinary('caddy');
  if (binary === null) throw new Error('caddy is not installed');
  const file = path.join(dir, 'Caddyfile');
  await writeFile(file, `{\n  admin off\n  auto_https off\n}\n\n${siteBlock}\n`);
  const env = { HOME: dir, XDG_DATA_HOME: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(dir, 'config') };
  return startPeer(binary, ['run', '--config', file, '--adapter', 'caddyfile'], port, env);
}

/**
 * The fenced code block of README.md's section `heading` whose first line is the comment `# <marker>`:
 * the snippets the README shows are the ones the tests run.
 */
export async function readmeSnippet(readme: string, heading: string, marker: string): Promise<string> {
  const text = await readFile(readme, 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  for (const match of section.matchAll(/\n```[a-z]*\n([\s\S]*?)\n```/g)) {
    const body = match[1] ?? '';
    if (body.split('\n')[0] === `# ${marker}`) return body;
  }
  throw new Error(`README section "${heading}" has no snippet marked "${marker}"`);
}

/**
 * The snippet of the README's section "Behind a proxy, a cache or a CDN" marked `marker`, pointed at the
 * origin on `ports.origin`, listening on `ports.port`, caching under `cache`.
 */
export async function snippet(marker: string, ports: { port: number; origin: number }, cache = ''): Promise<string> {
  return (await readmeSnippet(path.resolve('README.md'), 'Behind a proxy, a cache or a CDN', marker))
    .replace('listen 80;', `listen 127.0.0.1:${ports.port};`)
    .replace('media.example.com {', `http://127.0.0.1:${ports.port} {`)
    .replaceAll('127.0.0.1:5000', `127.0.0.1:${ports.origin}`)
    .replace('.port = "5000";', `.port = "${ports.origin}";`)
    .replace('/var/cache/nginx/aqua', cache);
}

/** nginx's stock proxy cache: nothing but `proxy_pass` and `proxy_cache`. */
export const stockNginx = (ports: { port: number; origin: number }, cache: string): string => `
  proxy_cache_path ${cache} keys_zone=stock:1m;
  server {
    listen 127.0.0.1:${ports.port};
    location / { proxy_pass http://127.0.0.1:${ports.origin}; proxy_cache stock; }
  }`;

/** `ffmpeg -ss 50` through `port`: the pts of the first frame it decodes, in seconds. */
export async function seekWithFfmpeg(ffmpeg: string, port: number): Promise<number> {
  const url = `http://127.0.0.1:${port}/clip.mp4`;
  const args = ['-v', 'error', '-copyts', '-ss', '50', '-i', url, '-frames:v', '1', '-f', 'framecrc', '-'];
  const { stdout: out } = await promisify(execFile)(ffmpeg, args, { encoding: 'utf8', timeout: 20_000 });
  const frame = /^0,\s+(\d+),/m.exec(out);
  if (frame === null) throw new Error(`no frame decoded: ${out}`);
  return Number(frame[1]) / 10; // framecrc's time base is the stream's: 1/10 s
}

/** A describe title that says why it is skipped when `binary` is missing (and warns once on the console). */
export function titled(title: string, ...binaries: string[]): { title: string; missing: boolean } {
  const absent = binaries.filter((name) => findBinary(name) === null);
  if (absent.length === 0) return { title, missing: false };
  console.warn(`interop-proxy: ${absent.join(', ')} not installed: "${title}" skipped`);
  return { title: `${title} (skipped: ${absent.join(', ')} not installed)`, missing: true };
}
