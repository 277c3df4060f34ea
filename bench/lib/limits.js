// @ts-check
// The limit rows (issue 18): what one person feels and what the platform allows. One connection
// (curl), Range-heavy seeking, the 10,000-entry listing, and over TLS: one connection with curl
// (HTTP/1.1 and HTTP/2) and 100 clients with h2load (both protocols). Every load generator runs
// under bash's `times`, so each row also says how much CPU the generator itself used.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBounded } from './proc.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The file of the one-connection and seeking rows, and the listing folder, under the files folder. */
export const BIG_FILE = 'big.bin';
/** The file of the TLS 100-client rows: 1 MiB, so that what is in flight when the run ends drains in a moment. */
export const MIB_FILE = '1MiB.bin';
export const LISTING_DIR = 'dir10k';
export const LISTING_ENTRIES = 10_000;
/** The huge folder of the first-byte and loop-delay rows (issue 18: a 100,000-entry folder). */
export const HUGE_DIR = 'dir100k';
export const HUGE_ENTRIES = 100_000;
/** The small file the huge-folder row probes while listings run. */
const PROBE_FILE = '13B.bin';
/** One seek: a 1 MiB range, as a video player asks for. */
export const SEEK_SPAN = 1024 * 1024;

/**
 * @typedef {object} LimitRow
 * @property {string} row          e.g. 'one connection'
 * @property {'throughput' | 'rps' | 'ms'} unit
 * @property {number | null} value  bytes/s or requests/s
 * @property {number | null} genCpu load generator's CPU seconds per wall second (1 = one core busy)
 * @property {string} command
 * @property {string} [error]
 */

/** Write `bytes` of random data, 16 MiB of it repeated (enough against any compression); returns its size. */
export function makeBigFile(dir, bytes) {
  const chunk = randomBytes(16 * 1024 * 1024);
  const fd = openSync(join(dir, BIG_FILE), 'w', 0o644);
  try {
    for (let done = 0; done < bytes; done += chunk.length)
      writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
  } finally {
    closeSync(fd);
  }
  const mib = openSync(join(dir, MIB_FILE), 'w', 0o644);
  try {
    writeSync(mib, chunk, 0, 1024 * 1024);
  } finally {
    closeSync(mib);
  }
  return bytes;
}

/** A folder of 10,000 empty files, as the listing row asks for, and one of 100,000 for the huge-folder rows. */
export function makeListingDir(dir) {
  /** @type {[string, number][]} */
  const folders = [
    [LISTING_DIR, LISTING_ENTRIES],
    [HUGE_DIR, HUGE_ENTRIES],
  ];
  for (const [name, count] of folders) {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true, mode: 0o755 });
    for (let i = 0; i < count; i++) {
      closeSync(openSync(join(folder, `entry-${String(i).padStart(6, '0')}.txt`), 'w', 0o644));
    }
  }
}

/** A self-signed certificate for 127.0.0.1 (P-256), or null without openssl. */
export function makeCert(tmpDir) {
  const cert = join(tmpDir, 'cert.pem');
  const key = join(tmpDir, 'key.pem');
  const r = spawnSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { stdio: 'ignore', timeout: 20000 },
  );
  return r.status === 0 && existsSync(cert) ? { cert, key } : null;
}

/**
 * Run a load generator to completion under `times`; returns its output, the wall time and its CPU
 * (user + system of the generator and its children) per wall second.
 * @param {string} cmd @param {string[]} args @param {number} timeoutMs @param {NodeJS.ProcessEnv} [env]
 */
export async function timed(cmd, args, timeoutMs, env) {
  const started = Date.now();
  const r = await runBounded({
    cmd: 'bash',
    args: ['-c', '"$@"; s=$?; times >&2; exit $s', 'timed', cmd, ...args],
    env,
    timeoutMs,
    label: cmd,
  });
  const wallS = (Date.now() - started) / 1000;
  // `times` prints the shell's user/sys, then its children's: the second line is the generator's.
  const lines = r.stderr.trim().split('\n');
  const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines[lines.length - 1] ?? '');
  const cpuS = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : null;
  return { ...r, stderr: lines.slice(0, -2).join('\n'), wallS, genCpu: cpuS === null ? null : cpuS / wallS };
}

/**
 * One curl download, `repeat` times; the median speed.
 * @param {string} row @param {string} url @param {string[]} extra @param {number} repeat
 * @returns {Promise<LimitRow>}
 */
async function curlRow(row, url, extra, repeat) {
  const args = ['-s', '-k', ...extra, '-o', '/dev/null', '-w', '%{speed_download} %{http_code}\\n', url];
  const command = `curl ${args.join(' ')}`;
  const speeds = [];
  let cpu = 0;
  let wall = 0;
  for (let i = 0; i < repeat; i++) {
    const r = await timed('curl', args, 120_000);
    const [speed, code] = r.stdout.trim().split(' ');
    if (r.code !== 0 || code !== '200')
      return {
        row,
        unit: 'throughput',
        value: null,
        genCpu: null,
        command,
        error: `curl exit ${r.code}, status ${code}`,
      };
    speeds.push(Number(speed));
    cpu += (r.genCpu ?? 0) * r.wallS;
    wall += r.wallS;
  }
  speeds.sort((a, b) => a - b);
  return { row, unit: 'throughput', value: speeds[Math.floor((speeds.length - 1) / 2)], genCpu: cpu / wall, command };
}

/**
 * wrk with a Lua script (`done()` only unless the row needs per-request work); requests/s or bytes/s.
 * @param {string} row @param {'throughput' | 'rps'} unit @param {string} url
 * @param {{ conc: number, durationS: number, script: string, env?: NodeJS.ProcessEnv }} o
 * @returns {Promise<LimitRow>}
 */
async function wrkRow(row, unit, url, { conc, durationS, script, env }) {
  const args = [`-t${Math.min(2, conc)}`, `-c${conc}`, `-d${durationS}s`, '--timeout', '10s', '-s', script, url];
  const command = `wrk ${args.join(' ')}`;
  const r = await timed('wrk', args, (durationS + 30) * 1000, env);
  const line = /^WRK_JSON (.*)$/m.exec(r.stdout);
  if (!line) return { row, unit, value: null, genCpu: r.genCpu, command, error: `wrk gave no result (exit ${r.code})` };
  const j = JSON.parse(line[1]);
  const seconds = j.duration_us / 1e6;
  const errors = j.connect + j.read + j.write + j.timeout + j.status;
  const value = unit === 'rps' ? j.requests / seconds : j.bytes / seconds;
  return {
    row,
    unit,
    value,
    genCpu: r.genCpu,
    command,
    ...(errors > 0 ? { error: `${errors} errors or non-2xx` } : {}),
  };
}

/**
 * h2load: `perClient` requests on each of `conc` connections; bytes/s over the whole run (handshakes included).
 * A request count, not `-D`: h2load 1.52 with `-D` never exits when some of 100 TLS clients are still in their
 * handshake as the time runs out (seen with every Node server on this machine).
 * `h1` forces HTTP/1.1 (over TLS, by ALPN).
 * @param {string} row @param {string} url @param {{ conc: number, perClient: number, h1: boolean }} o
 * @returns {Promise<LimitRow>}
 */
async function h2loadRow(row, url, { conc, perClient, h1 }) {
  const args = ['-t2', `-c${conc}`, '-m1', `-n${conc * perClient}`, ...(h1 ? ['--h1'] : []), url];
  const command = `h2load ${args.join(' ')}`;
  const r = await timed('h2load', args, 120_000);
  // `finished in 2.51s` — or `in 995.31ms` when the run took less than a second.
  const fin = /finished in ([\d.]+)m?s, ([\d.]+) req\/s, ([\d.]+)([KMG]?)B\/s/.exec(r.stdout);
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(r.stdout);
  if (!fin)
    return {
      row,
      unit: 'throughput',
      value: null,
      genCpu: r.genCpu,
      command,
      error: `h2load gave no result (exit ${r.code})`,
    };
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[fin[4]] ?? 1;
  const bad = status ? Number(status[3]) + Number(status[4]) : 0;
  return {
    row,
    unit: 'throughput',
    value: Number(fin[3]) * scale,
    genCpu: r.genCpu,
    command,
    ...(bad > 0 ? { error: `${bad} 4xx/5xx answers` } : {}),
  };
}

/**
 * The plain-HTTP limit rows for one server listening on `port`. `caps` says what it serves: a
 * ceiling (node-piped) has no Range and no listing.
 * @param {{ port: number, bigBytes: number, durationS: number, quick: boolean, ranges: boolean, listing: boolean }} o
 * @returns {Promise<LimitRow[]>}
 */
export async function plainRows(o) {
  const base = `http://127.0.0.1:${o.port}/`;
  const rows = [await curlRow('one connection', base + BIG_FILE, [], o.quick ? 1 : 3)];
  if (o.ranges) {
    rows.push(
      await wrkRow('seeking: 1 MiB ranges, 16 clients', 'throughput', base + BIG_FILE, {
        conc: 16,
        durationS: o.durationS,
        script: join(here, 'wrk-ranges.lua'),
        env: { ...process.env, RANGE_FILE_SIZE: String(o.bigBytes), RANGE_SPAN: String(SEEK_SPAN) },
      }),
    );
  }
  if (o.listing) {
    rows.push(...(await hugeFolderRows(o.port)));
    rows.push(
      await wrkRow('10,000-entry listing, 10 clients', 'rps', `${base}${LISTING_DIR}/`, {
        conc: 10,
        // A 10,000-entry page takes a good fraction of a second to build: short runs would finish none.
        durationS: Math.max(5, o.durationS),
        script: join(here, 'wrk-report.lua'),
      }),
    );
  }
  return rows;
}

/**
 * The TLS rows for one server listening with TLS on `port`.
 * @param {{ port: number, durationS: number, quick: boolean, warmUp?: boolean }} o
 * @returns {Promise<LimitRow[]>}
 */
export async function tlsRows(o) {
  const base = `https://127.0.0.1:${o.port}/`;
  const repeat = o.quick ? 1 : 2;
  const perClient = o.quick ? 10 : 30;
  if (o.warmUp) {
    // One download each way and a second of h2load: TLS sessions and the JIT warm, as the plain warm-up does.
    await curlRow('warm-up', base + MIB_FILE, ['--http1.1'], 1);
    await curlRow('warm-up', base + MIB_FILE, ['--http2'], 1);
    await h2loadRow('warm-up', base + MIB_FILE, { conc: 10, perClient: 5, h1: false });
    return [];
  }
  return [
    await curlRow('TLS HTTP/1.1 one connection', base + BIG_FILE, ['--http1.1'], repeat),
    await curlRow('TLS HTTP/2 one connection', base + BIG_FILE, ['--http2'], repeat),
    await h2loadRow('TLS HTTP/1.1 100 clients (1 MiB)', base + MIB_FILE, { conc: 100, perClient, h1: true }),
    await h2loadRow('TLS HTTP/2 100 clients (1 MiB)', base + MIB_FILE, { conc: 100, perClient, h1: false }),
  ];
}

/**
 * GET `target` on a fresh connection; milliseconds to the first byte and to the end.
 * @param {number} port @param {string} target
 * @returns {Promise<{ firstMs: number, totalMs: number, bytes: number }>}
 */
function timedGet(port, target) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstMs = -1;
    let bytes = 0;
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    socket.setTimeout(120_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (d) => {
      if (firstMs < 0) firstMs = performance.now() - t0;
      bytes += d.length;
    });
    socket.once('end', () => resolve({ firstMs, totalMs: performance.now() - t0, bytes }));
    socket.once('error', reject);
  });
}

/**
 * The huge-folder rows: the first byte of the first (cold) listing of a 100,000-entry folder, then the
 * p99 of 13-byte requests (one keep-alive connection, one after another) while 8 listings of it run.
 * @param {number} port
 * @returns {Promise<LimitRow[]>}
 */
async function hugeFolderRows(port) {
  const first = '100,000-entry folder: first byte (cold)';
  const delay = '100,000-entry folder: 13 B p99 during 8 listings';
  const command = `node bench/lib/limits.js hugeFolderRows (GET /${HUGE_DIR}/, then 8 at once and /${PROBE_FILE} in a loop)`;
  /** @type {(error: string) => LimitRow[]} */
  const failed = (error) =>
    [first, delay].map((row) => ({
      row,
      unit: /** @type {const} */ ('ms'),
      value: null,
      genCpu: null,
      command,
      error,
    }));
  try {
    const cold = await timedGet(port, `/${HUGE_DIR}/`);
    if (cold.bytes < HUGE_ENTRIES * 20) return failed(`the listing was ${cold.bytes} bytes`);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const probe = () =>
      new Promise((resolve, reject) => {
        const t0 = performance.now();
        http
          .get({ host: '127.0.0.1', port, path: `/${PROBE_FILE}`, agent }, (res) => {
            res.resume();
            res.once('end', () =>
              res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${res.statusCode}`)),
            );
          })
          .once('error', reject);
      });
    await probe();
    let done = false;
    const listings = Promise.all(
      Array.from({ length: 8 }, (_, i) => timedGet(port, `/${HUGE_DIR}/${i % 2 ? '?sort=size' : ''}`)),
    ).finally(() => (done = true));
    const times = [];
    const started = performance.now();
    while (!done && performance.now() - started < 120_000) {
      times.push(await probe());
      await new Promise((r) => setTimeout(r, 2));
    }
    await listings;
    agent.destroy();
    times.sort((a, b) => a - b);
    const p99 = times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] ?? null;
    return [
      { row: first, unit: 'ms', value: cold.firstMs, genCpu: null, command },
      { row: delay, unit: 'ms', value: p99, genCpu: null, command: `${command}: ${times.length} probes` },
    ];
  } catch (err) {
    return failed(err instanceof Error ? err.message : String(err));
  }
}
