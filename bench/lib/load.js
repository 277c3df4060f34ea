// Load generators: wrk (preferred), autocannon (fallback), siege (--siege, the original benchmark).
// Each returns the same record shape so the report does not care which one ran.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBounded } from './proc.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * @typedef {object} LoadResult
 * @property {string} tool
 * @property {number} durationS   measured duration of the run
 * @property {number} requests    completed responses
 * @property {number} rps         completed responses per second
 * @property {number} bytes       bytes received (headers + bodies, partial bodies included for wrk)
 * @property {number} throughput  bytes per second
 * @property {{ p50Ms: number|null, p99Ms: number|null, maxMs: number|null }} latency
 * @property {{ connect: number, read: number, write: number, timeout: number, non2xx: number }} errors
 * @property {number|null} availability percent of attempts that got a 2xx/3xx answer
 * @property {string} command
 */

function emptyErrors() {
  return { connect: 0, read: 0, write: 0, timeout: 0, non2xx: 0 };
}

/** Siege's definition, applied to every tool: successes / (successes + failures). */
function availability(requests, errors) {
  const ok = Math.max(0, requests - errors.non2xx);
  // wrk's timeout count overlaps with completed requests (a slow response counts in both), so it
  // is reported but left out of the denominator; connect/read/write errors are failed attempts.
  const attempts = requests + errors.connect + errors.read + errors.write;
  // No response finished and nothing failed (a long download cut by the end of a short run): unknown.
  return attempts === 0 ? null : (100 * ok) / attempts;
}

/**
 * wrk -t2 -c<conc> -d<dur>s --latency, with a done() hook that prints exact JSON.
 * `timeoutS` is wrk's per-request timeout: a response slower than it counts as a timeout error and
 * is left out of the latency histogram.
 */
export async function runWrk({ url, conc, durationS, timeoutS, threads = Math.min(2, conc) }) {
  const args = [
    `-t${threads}`,
    `-c${conc}`,
    `-d${durationS}s`,
    `--timeout`,
    `${timeoutS}s`,
    '--latency',
    '-s',
    join(here, 'wrk-report.lua'),
    url,
  ];
  const r = await runBounded({ cmd: 'wrk', args, timeoutMs: (durationS + timeoutS + 15) * 1000, label: 'wrk' });
  const line = /^WRK_JSON (.*)$/m.exec(r.stdout);
  if (!line)
    throw new Error(`wrk gave no result (exit ${r.code}, killed ${r.killed}): ${r.stderr.trim() || r.stdout.trim()}`);
  const j = JSON.parse(line[1]);
  const durationSec = j.duration_us / 1e6;
  const errors = { connect: j.connect, read: j.read, write: j.write, timeout: j.timeout, non2xx: j.status };
  const ms = (us) => (j.requests > 0 ? us / 1000 : null);
  return {
    tool: 'wrk',
    durationS: durationSec,
    requests: j.requests,
    rps: j.requests / durationSec,
    bytes: j.bytes,
    throughput: j.bytes / durationSec,
    latency: { p50Ms: ms(j.p50_us), p99Ms: ms(j.p99_us), maxMs: ms(j.max_us) },
    errors,
    availability: availability(j.requests, errors),
    command: `wrk ${args.slice(0, 5).join(' ')} --latency ${url}`,
  };
}

/** autocannon --json, used only when wrk is not installed. */
export async function runAutocannon({ bin, url, conc, durationS, timeoutS }) {
  const args = [bin, '-c', String(conc), '-d', String(durationS), '-t', String(timeoutS), '--json', url];
  const r = await runBounded({
    cmd: process.execPath,
    args,
    timeoutMs: (durationS + timeoutS + 20) * 1000,
    label: 'autocannon',
  });
  const start = r.stdout.indexOf('{');
  if (start < 0) throw new Error(`autocannon gave no JSON (exit ${r.code}): ${r.stderr.trim().slice(-500)}`);
  const j = JSON.parse(r.stdout.slice(start));
  const durationSec = j.duration;
  const errors = emptyErrors();
  // autocannon lumps socket errors together; timeouts are counted apart from them.
  errors.timeout = j.timeouts;
  errors.read = Math.max(0, j.errors - j.timeouts);
  errors.non2xx = j.non2xx;
  const requests = j.requests.total;
  return {
    tool: 'autocannon',
    durationS: durationSec,
    requests,
    rps: requests / durationSec,
    bytes: j.throughput.total,
    throughput: j.throughput.total / durationSec,
    latency: { p50Ms: j.latency.p50, p99Ms: j.latency.p99, maxMs: j.latency.max },
    errors,
    availability: availability(requests, errors),
    command: `autocannon -c ${conc} -d ${durationS} -t ${timeoutS} ${url}`,
  };
}

/**
 * The original benchmark: siege -c <conc> -b -t <time> with `limit = 1000` in its own rc file,
 * bounded by timeout(1) because siege 4.0.7 can hang at exit.
 */
export async function runSiege({ url, conc, siegeTime, tmpDir, big }) {
  const rc = join(tmpDir, 'siegerc');
  // Siege's stock defaults, except the concurrency limit (255) and the console noise.
  writeFileSync(
    rc,
    [
      'limit = 1000',
      'verbose = false',
      'color = off',
      'quiet = false',
      'json_output = true',
      'show-logfile = false',
      'logging = false',
      '',
    ].join('\n'),
  );
  const seconds = Number(/^(\d+)S$/i.exec(siegeTime)?.[1] ?? NaN);
  if (!Number.isFinite(seconds)) throw new Error(`siege time must look like 10S, got ${siegeTime}`);
  // Siege lets every transaction in flight finish after -t runs out: 1000 × 13 MiB can take a
  // minute more. Past the bound, timeout(1) sends TERM, then KILL 5 s later (siege 4.0.7 can hang).
  const bound = seconds + (big ? 120 : 30);
  const args = ['--kill-after=5s', `${bound}s`, 'siege', '-c', String(conc), '-b', '-t', siegeTime, url];
  const r = await runBounded({
    cmd: 'timeout',
    args,
    env: { ...process.env, SIEGERC: rc },
    timeoutMs: (bound + 10) * 1000,
    label: 'siege',
  });
  const text = `${r.stdout}\n${r.stderr}`;
  const start = text.lastIndexOf('{');
  const end = text.indexOf('}', start);
  if (start < 0 || end < 0) {
    throw new Error(
      `siege gave no JSON summary (exit ${r.code ?? r.signal}${r.killed ? ', killed by the harness' : ''}): ${text.trim().slice(-300)}`,
    );
  }
  const j = JSON.parse(text.slice(start, end + 1));
  const errors = emptyErrors();
  // Siege counts failures without saying why; they are socket-level failures for a static file.
  errors.read = j.failed_transactions;
  const requests = j.transactions;
  const durationSec = j.elapsed_time;
  // siege's MB are 2^20 bytes.
  const bytes = j.data_transferred * 1024 * 1024;
  return {
    tool: 'siege',
    durationS: durationSec,
    requests,
    rps: j.transaction_rate,
    bytes,
    throughput: j.throughput * 1024 * 1024,
    // siege gives a mean and a maximum, no percentiles.
    latency: { p50Ms: null, p99Ms: null, maxMs: j.longest_transaction * 1000, meanMs: j.response_time * 1000 },
    errors,
    availability: j.availability,
    command: `SIEGERC=<limit = 1000> siege -c ${conc} -b -t ${siegeTime} ${url}`,
  };
}
