// The servers under test: how to tell whether each is on the machine and how to start it alone on
// 127.0.0.1:<port>, serving the folder of test files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} Ctx
 * @property {string} root       the repository
 * @property {string} benchDir   bench/
 * @property {string} filesDir   the folder of test files
 * @property {string} tmpDir     scratch space for this invocation
 * @property {string} aquaBin    the aqua-serve entry point
 * @property {{ cert: string, key: string } | null} [tls]  a self-signed certificate for 127.0.0.1, when openssl is here
 */

/**
 * @typedef {object} ServerDef
 * @property {string} id
 * @property {string} label
 * @property {(ctx: Ctx) => { ok: boolean, note?: string, version?: string }} detect
 * @property {(ctx: Ctx, port: number) => { cmd: string, args: string[], env?: NodeJS.ProcessEnv }} command
 * @property {(ctx: Ctx, port: number) => { cmd: string, args: string[], env?: NodeJS.ProcessEnv }} [tls]
 *   the same server over TLS (HTTP/2 and HTTP/1.1 by ALPN), for the limit rows
 * @property {boolean} [limits]  runs the limit rows (one connection, seeking, listing; TLS if `tls`)
 * @property {string[]} [sizes]  only these of the load sizes (a ceiling that serves one kind of file)
 */

function quiet(cmd, args) {
  // Some tools (nginx -v, siege --version) print their version on stderr: keep both streams.
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
  if (r.error) return null;
  return `${r.stdout ?? ''}${r.stderr ?? ''}` || null;
}

function onPath(cmd) {
  return quiet('sh', ['-c', `command -v ${cmd}`])?.trim() || null;
}

/** Resolve a bench/node_modules/.bin link to the script it points at (started with this node). */
function peerScript(ctx, bin) {
  const link = join(ctx.benchDir, 'node_modules', '.bin', bin);
  return existsSync(link) ? realpathSync(link) : null;
}

function peerVersion(ctx, pkg) {
  try {
    return JSON.parse(readFileSync(join(ctx.benchDir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** `--help` of the aqua-serve entry point, read once. */
const helpCache = new Map();
export function aquaHelp(aquaBin) {
  if (!helpCache.has(aquaBin)) helpCache.set(aquaBin, quiet(process.execPath, [aquaBin, '--help']) ?? '');
  return helpCache.get(aquaBin);
}

function aquaVersion(ctx) {
  try {
    return JSON.parse(readFileSync(join(ctx.root, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function nodePeer(id, pkg, bin, args) {
  return {
    id,
    label: id,
    detect: (ctx) =>
      peerScript(ctx, bin)
        ? { ok: true, version: peerVersion(ctx, pkg) }
        : { ok: false, note: `${pkg} is not installed in bench/node_modules` },
    command: (ctx, port) => ({ cmd: process.execPath, args: [peerScript(ctx, bin), ...args(ctx, port)] }),
  };
}

function nginxConf(ctx, port, tls = false) {
  const prefix = join(ctx.tmpDir, `nginx-${port}`);
  mkdirSync(prefix, { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  const t = (name) => join(prefix, name);
  writeFileSync(
    conf,
    `# Written by bench/run.js for one run; nothing here outlives it.
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${t('nginx.pid')};
error_log ${t('error.log')} warn;
worker_rlimit_nofile 20000;
events { worker_connections 8192; }
http {
  types { application/octet-stream bin; text/html html; }
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${t('body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  server {
    listen 127.0.0.1:${port} backlog=4096${tls ? ' ssl http2' : ''};
${tls ? `    ssl_certificate ${ctx.tls?.cert};\n    ssl_certificate_key ${ctx.tls?.key};\n` : ''}    root ${ctx.filesDir};
    autoindex on;
  }
}
`,
  );
  return { prefix, conf };
}

/** @param {Ctx} ctx @param {number} port @param {boolean} tls */
function nginxCommand(ctx, port, tls) {
  const { prefix, conf } = nginxConf(ctx, port, tls);
  const bin = onPath('nginx') ?? '/usr/sbin/nginx';
  return { cmd: bin, args: ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', conf, '-g', 'daemon off;'] };
}

/**
 * Caddy from a Caddyfile of its own (the same site as `caddy file-server --browse`): no admin endpoint (several
 * instances may run at once), HTTP/1.1 and HTTP/2 only, with TLS from the bench's certificate.
 * @param {Ctx} ctx @param {number} port @param {boolean} tls
 */
function caddyCommand(ctx, port, tls) {
  const dir = join(ctx.tmpDir, `caddy-${port}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'Caddyfile');
  const site = tls ? `https://127.0.0.1:${port}` : `http://127.0.0.1:${port}`;
  writeFileSync(
    file,
    `{
  admin off
  auto_https disable_redirects
  servers {
    protocols h1 h2
  }
}
${site} {
${tls ? `  tls ${ctx.tls?.cert} ${ctx.tls?.key}\n` : ''}  root * ${ctx.filesDir}
  file_server browse
}
`,
  );
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
  return { cmd: 'caddy', args: ['run', '--config', file, '--adapter', 'caddyfile'], env };
}

/** Python's own executable (not a pyenv shim), so the process tree is the server alone. */
function realPython() {
  const py = onPath('python3');
  if (!py) return null;
  return quiet(py, ['-c', 'import sys; print(sys.executable)'])?.trim() || null;
}

/** @type {ServerDef[]} */
export const SERVERS = [
  {
    id: 'aqua-serve',
    label: 'aqua-serve',
    detect: (ctx) =>
      existsSync(ctx.aquaBin)
        ? { ok: true, version: aquaVersion(ctx) }
        : { ok: false, note: `${ctx.aquaBin} not found` },
    command: (ctx, port) => ({
      cmd: process.execPath,
      args: [ctx.aquaBin, ctx.filesDir, '--port', String(port), '--host', '127.0.0.1', '--quiet'],
    }),
    tls: (ctx, port) => ({
      cmd: process.execPath,
      args: [
        ...[ctx.aquaBin, ctx.filesDir, '--port', String(port), '--host', '127.0.0.1', '--quiet'],
        ...['--tls-cert', ctx.tls?.cert ?? '', '--tls-key', ctx.tls?.key ?? ''],
      ],
    }),
    limits: true,
  },
  {
    id: 'aqua-serve-workers',
    label: 'aqua-serve --workers auto',
    detect: (ctx) => {
      if (!existsSync(ctx.aquaBin)) return { ok: false, note: `${ctx.aquaBin} not found` };
      return aquaHelp(ctx.aquaBin).includes('--workers')
        ? { ok: true, version: aquaVersion(ctx) }
        : { ok: false, note: 'aqua-serve --help does not list --workers yet' };
    },
    command: (ctx, port) => ({
      cmd: process.execPath,
      args: [ctx.aquaBin, ctx.filesDir, '--port', String(port), '--host', '127.0.0.1', '--quiet', '--workers', 'auto'],
    }),
  },
  // serve: no request log, no clipboard, no compression, fail rather than switch ports.
  nodePeer('serve', 'serve', 'serve', (ctx, port) => [
    '-L',
    '-n',
    '-u',
    '--no-port-switching',
    '-l',
    `tcp://127.0.0.1:${port}`,
    ctx.filesDir,
  ]),
  // http-server: silent, caching headers off (-c-1); gzip is off unless -g.
  nodePeer('http-server', 'http-server', 'http-server', (ctx, port) => [
    ctx.filesDir,
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-s',
    '-c-1',
  ]),
  // sirv-cli in production mode (its startup file index), quiet.
  nodePeer('sirv-cli', 'sirv-cli', 'sirv', (ctx, port) => [
    ctx.filesDir,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--quiet',
  ]),
  {
    id: 'nginx',
    label: 'nginx (1 worker, sendfile)',
    detect: () => {
      const bin = onPath('nginx') ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null);
      if (!bin) return { ok: false, note: 'nginx is not installed' };
      const v = /nginx\/(\S+)/.exec(quiet(bin, ['-v']) ?? '');
      return { ok: true, version: v?.[1] };
    },
    command: (ctx, port) => nginxCommand(ctx, port, false),
    tls: (ctx, port) => nginxCommand(ctx, port, true),
    limits: true,
  },
  {
    id: 'caddy',
    label: 'caddy file-server',
    detect: () => {
      if (!onPath('caddy')) return { ok: false, note: 'caddy is not installed' };
      return { ok: true, version: /v?(\d+\.\d+\.\d+)/.exec(quiet('caddy', ['version']) ?? '')?.[1] };
    },
    command: (ctx, port) => caddyCommand(ctx, port, false),
    tls: (ctx, port) => caddyCommand(ctx, port, true),
    limits: true,
  },
  {
    id: 'node-hello',
    label: 'node:http hello-world (ceiling, 13 B)',
    detect: () => ({ ok: true, version: process.version }),
    command: (ctx, port) => ({
      cmd: process.execPath,
      args: [join(ctx.benchDir, 'lib', 'peers', 'hello.js'), String(port)],
    }),
    sizes: ['13 B'],
  },
  {
    id: 'node-piped',
    label: 'node:http + createReadStream 1 MiB piped (ceiling)',
    detect: () => ({ ok: true, version: process.version }),
    command: (ctx, port) => ({
      cmd: process.execPath,
      args: [join(ctx.benchDir, 'lib', 'peers', 'piped.js'), ctx.filesDir, String(port)],
    }),
    sizes: ['13 MiB'],
    limits: true,
  },
  {
    id: 'python',
    label: 'python3 -m http.server',
    detect: () => {
      const py = realPython();
      if (!py) return { ok: false, note: 'python3 is not installed' };
      return {
        ok: true,
        version: quiet(py, ['--version'])
          ?.trim()
          .replace(/^Python /, ''),
      };
    },
    command: (ctx, port) => ({
      cmd: realPython(),
      args: ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', ctx.filesDir],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    }),
  },
];

/**
 * Another build of aqua-serve to set beside the baseline (`--compare label=path/to/bin/aqua-serve.js`),
 * e.g. a branch or an experiment, measured in the same invocation.
 * @returns {ServerDef}
 */
export function compareServer(id, bin) {
  return {
    id,
    label: id,
    detect: () => (existsSync(bin) ? { ok: true, version: bin } : { ok: false, note: `${bin} not found` }),
    command: (ctx, port) => ({
      cmd: process.execPath,
      args: [bin, ctx.filesDir, '--port', String(port), '--host', '127.0.0.1', '--quiet'],
    }),
    tls: (ctx, port) => ({
      cmd: process.execPath,
      args: [
        ...[bin, ctx.filesDir, '--port', String(port), '--host', '127.0.0.1', '--quiet'],
        ...['--tls-cert', ctx.tls?.cert ?? '', '--tls-key', ctx.tls?.key ?? ''],
      ],
    }),
    limits: true,
  };
}

export const QUICK_SERVERS = ['aqua-serve', 'sirv-cli', 'nginx', 'node-hello', 'node-piped'];

export { onPath, quiet };
