#!/usr/bin/env node
// `npm run bench`: aqua-serve against its peers, each server alone on 127.0.0.1, one after another.
// See `node bench/run.js --help` and the README's "Benchmark" section.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { runAutocannon, runSiege, runWrk } from './lib/load.js';
import {
  countFds,
  fdsSettled,
  freePort,
  killAllNow,
  spawnGroup,
  startRssSampler,
  processTree,
  stopGroup,
  treeRss,
  waitForPort,
} from './lib/proc.js';
import { resetStorm } from './lib/resets.js';
import { compressionBench, compressionTable } from './compression.js';
import { makeBigFile, makeCert, makeListingDir, plainRows, tlsRows } from './lib/limits.js';
import { limitsText, markdown, svg, targetsText, textTable } from './lib/report.js';
import { QUICK_SERVERS, SERVERS, compareServer, onPath, quiet } from './lib/servers.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDir, '..');

const HELP = `Usage: npm run bench [-- options]

Runs aqua-serve and its peers one after another, each alone on 127.0.0.1, under the same load,
and writes bench/results/<name>.{json,md,svg}. Every ratio is from the same invocation.

Options:
  --quick               about a minute: ${QUICK_SERVERS.join(', ')}; 2 s runs, short waits
  --siege               the original benchmark: siege -c 100|1000 -b -t <siege-time> (limit = 1000)
  --siege-time <t>      siege's -t (default 10S; the original long run is 60S)
  --only <a,b,...>      servers to run, from: ${SERVERS.map((s) => s.id).join(', ')}
  --duration <s>        seconds per load run (default 6, quick 2)
  --concurrency <list>  clients per run (default 100,1000)
  --sizes <list>        files to load, from 13B,13KiB,13MiB (default all three)
  --tool <wrk|autocannon>  load generator (default: wrk when installed)
  --rounds <n>          run the whole sequence n times and keep each cell's median (default 1)
  --resets <n>          aborted 13 MiB downloads in the reset storm (default 200, quick 50; 0 = skip)
  --no-limits           skip the limit rows: one connection (curl, a 1 GiB file; quick 256 MiB), seeking
                        (1 MiB ranges at random offsets), the 10,000-entry listing, and over TLS one
                        connection (curl, HTTP/1.1 and HTTP/2) and 100 clients (h2load, both)
  --no-compression      skip the compression row (a 30 KiB script as identity, gzip and brotli, under wrk)
  --aqua-bin <path>     the aqua-serve entry point to measure (default bin/aqua-serve.js)
  --compare <id=path>   also run another aqua-serve build (a branch, an experiment) right after
                        aqua-serve, under the name <id>; repeatable
  --no-build            do not run \`npm run build\` first
  --name <name>         results file name in bench/results (default latest)
  --help                this text
`;

const SIZES = [
  { label: '13 B', file: '13B.bin', bytes: 13 },
  { label: '13 KiB', file: '13KiB.bin', bytes: 13 * 1024 },
  { label: '13 MiB', file: '13MiB.bin', bytes: 13 * 1024 * 1024 },
];

// ---------------------------------------------------------------------------------------------
// Descriptor limit: 1000 clients need more than the usual 1024. Node cannot raise its own limit,
// so the harness re-runs itself once through bash with `ulimit -n` raised to the hard limit.

function nofileLimits() {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  const num = (v) => (v === 'unlimited' ? Infinity : Number(v));
  return m ? { soft: num(m[1]), hard: num(m[2]) } : { soft: 1024, hard: 1024 };
}

function reexecWithHigherLimit() {
  const { soft, hard } = nofileLimits();
  const want = Math.min(hard, 65536);
  if (soft >= 8192 || want <= soft || process.env.AQUA_BENCH_REEXEC) return false;
  // Ctrl-C reaches the child too (same foreground group); the parent only waits for it.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  const r = spawnSync(
    'bash',
    ['-c', `ulimit -n ${want} && exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, AQUA_BENCH_REEXEC: '1' } },
  );
  process.exit(r.status ?? 1);
}

// ---------------------------------------------------------------------------------------------

function parseCli() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        siege: { type: 'boolean', default: false },
        'siege-time': { type: 'string' },
        only: { type: 'string' },
        duration: { type: 'string' },
        concurrency: { type: 'string' },
        sizes: { type: 'string' },
        tool: { type: 'string' },
        resets: { type: 'string' },
        rounds: { type: 'string' },
        'aqua-bin': { type: 'string' },
        compare: { type: 'string', multiple: true },
        'no-build': { type: 'boolean', default: false },
        'no-limits': { type: 'boolean', default: false },
        'no-compression': { type: 'boolean', default: false },
        name: { type: 'string', default: 'latest' },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: false,
    }).values;
  } catch (err) {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const bad = (msg) => {
    process.stderr.write(`bench: ${msg}\n`);
    process.exit(2);
  };
  const quick = parsed.quick;
  const int = (name, text, min) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) bad(`--${name} must be an integer ≥ ${min}, got ${text}`);
    return n;
  };
  const ids = SERVERS.map((s) => s.id);
  const only = parsed.only
    ? parsed.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : quick
      ? [...QUICK_SERVERS]
      : [...ids];
  for (const id of only) if (!ids.includes(id)) bad(`unknown server ${id} (known: ${ids.join(', ')})`);
  const compare = [];
  for (const spec of parsed.compare ?? []) {
    const m = /^([\w.-]+)=(.+)$/.exec(spec);
    if (!m) bad(`--compare wants id=path/to/bin/aqua-serve.js, got ${spec}`);
    if (ids.includes(m[1]) || compare.some((c) => c.id === m[1])) bad(`--compare id ${m[1]} is taken`);
    compare.push({ id: m[1], bin: resolve(m[2]) });
  }
  // Comparisons run right after the baseline, so that the two are measured close in time.
  const at = only.includes('aqua-serve') ? only.indexOf('aqua-serve') + 1 : 0;
  only.splice(at, 0, ...compare.map((c) => c.id));
  const concurrencies = parsed.concurrency
    ? parsed.concurrency.split(',').map((c) => int('concurrency', c, 1))
    : [100, 1000];
  const sizeIds = SIZES.map((z) => z.file.replace(/\.bin$/, ''));
  const sizes = parsed.sizes ? parsed.sizes.split(',').map((z) => z.trim()) : sizeIds;
  for (const z of sizes) if (!sizeIds.includes(z)) bad(`unknown size ${z} (known: ${sizeIds.join(', ')})`);
  const siegeTime = parsed['siege-time'] ?? (quick ? '3S' : '10S');
  if (!/^\d+S$/i.test(siegeTime)) bad(`--siege-time must look like 10S, got ${siegeTime}`);
  if (parsed.tool && !['wrk', 'autocannon'].includes(parsed.tool))
    bad(`--tool must be wrk or autocannon, got ${parsed.tool}`);
  if (!/^[\w.-]+$/.test(parsed.name)) bad(`--name must be a plain file name, got ${parsed.name}`);
  return {
    quick,
    siege: parsed.siege,
    siegeTime,
    only,
    compare,
    durationS: parsed.duration ? int('duration', parsed.duration, 1) : quick ? 2 : 6,
    warmupS: quick ? 1 : 2,
    settleMaxMs: quick ? 1000 : 10000,
    concurrencies,
    sizes: SIZES.filter((z) => sizes.includes(z.file.replace(/\.bin$/, ''))),
    tool: parsed.tool ?? null,
    rounds: parsed.rounds ? int('rounds', parsed.rounds, 1) : 1,
    resets: parsed.resets !== undefined ? int('resets', parsed.resets, 0) : quick ? 50 : 200,
    aquaBin: resolve(parsed['aqua-bin'] ?? join(root, 'bin', 'aqua-serve.js')),
    build: !parsed['no-build'],
    limits: !parsed['no-limits'],
    compression: !parsed['no-compression'],
    name: parsed.name,
  };
}

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

function runStep(label, cmd, args, cwd, timeoutMs) {
  log(`bench: ${label}`);
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status ?? r.signal})`);
}

/** Peers live in bench/node_modules, from bench/package-lock.json; installed on first use. */
function ensurePeers(needed) {
  const missing = needed.filter((bin) => !existsSync(join(benchDir, 'node_modules', '.bin', bin)));
  if (missing.length === 0) return;
  runStep(
    `installing peers into bench/ (${missing.join(', ')} missing): npm ci`,
    'npm',
    ['ci', '--no-audit', '--no-fund'],
    benchDir,
    300000,
  );
}

function makeFiles(dir) {
  mkdirSync(dir, { recursive: true });
  for (const size of SIZES) {
    const p = join(dir, size.file);
    writeFileSync(p, size.bytes === 13 ? 'Hello, aqua!\n' : randomBytes(size.bytes));
    chmodSync(p, 0o644);
  }
  // nginx's worker may run as another user; the folder must be readable to it.
  chmodSync(dir, 0o755);
}

function toolVersions(cfg, tool) {
  const v = {};
  const first = (text) => (text ?? '').trim().split('\n')[0];
  if (tool === 'wrk') v.wrk = /wrk (\S+)/.exec(quiet('wrk', ['--version']) ?? '')?.[1] ?? 'unknown';
  if (tool === 'siege')
    v.siege = /SIEGE (\S+)/.exec(quiet('siege', ['--version']) ?? '')?.[1] ?? first(quiet('siege', ['--version']));
  if (tool === 'autocannon')
    v.autocannon = JSON.parse(
      readFileSync(join(benchDir, 'node_modules', 'autocannon', 'package.json'), 'utf8'),
    ).version;
  return v;
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memTotal: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

function gitCommit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${sha} (+ uncommitted changes in src/bin)` : sha;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------

async function runLoad(cfg, tool, { url, conc, size, tmpDir }) {
  const big = size.bytes >= 1024 * 1024;
  // A 13 MiB download shared by 1000 clients legitimately takes seconds; small files should not.
  const timeoutS = big ? 60 : 10;
  if (tool === 'siege') return runSiege({ url, conc, siegeTime: cfg.siegeTime, tmpDir, big });
  if (tool === 'autocannon') {
    const bin = join(benchDir, 'node_modules', 'autocannon', 'autocannon.js');
    return runAutocannon({ bin, url, conc, durationS: cfg.durationS, timeoutS });
  }
  return runWrk({ url, conc, durationS: cfg.durationS, timeoutS });
}

async function benchServer(cfg, tool, def, ctx) {
  const port = await freePort();
  const spec = def.command(ctx, port);
  const proc = spawnGroup({ ...spec, label: def.id, logFile: join(ctx.tmpDir, `${def.id}.log`) });
  const result = { id: def.id, label: def.label, status: 'ok', runs: [], command: [spec.cmd, ...spec.args].join(' ') };
  let crashed = null;
  proc.exited.then((r) => {
    crashed = r;
  });
  try {
    await waitForPort(proc, port);
    const base = `http://127.0.0.1:${port}/`;
    // Warm-up (JIT, caches, cluster workers coming up); not measured.
    if (cfg.warmupS > 0 && tool !== 'siege') {
      await runLoad({ ...cfg, durationS: cfg.warmupS }, tool, {
        url: base + SIZES[1].file,
        conc: 100,
        size: SIZES[1],
        tmpDir: ctx.tmpDir,
      });
    }
    await sleep(300);
    result.idleFds = countFds(proc.pid);
    result.idleRss = treeRss(proc.pid);
    result.idleProcesses = processTree(proc.pid).length;
    result.loadAverage = os.loadavg()[0];
    for (const size of cfg.sizes) {
      if (def.sizes && !def.sizes.includes(size.label)) continue;
      for (const conc of cfg.concurrencies) {
        if (crashed) throw new Error(`${def.id} exited during the runs (${JSON.stringify(crashed)})`);
        const url = base + size.file;
        const before = countFds(proc.pid);
        const sampler = startRssSampler(proc.pid);
        let load;
        let failure = null;
        try {
          load = await runLoad(cfg, tool, { url, conc, size, tmpDir: ctx.tmpDir });
        } catch (err) {
          // One failed run (a load generator that hung, say) does not end the server's series.
          failure = String(err.message ?? err)
            .split('\n')[0]
            .slice(0, 300);
        }
        const { peakRss } = sampler.stop();
        const after = countFds(proc.pid);
        const later = await fdsSettled(proc.pid, before, cfg.settleMaxMs);
        const fds = { before, after, later: later.fds, laterMs: later.afterMs };
        if (failure) {
          result.runs.push({ size: size.label, sizeBytes: size.bytes, conc, error: failure, peakRss, fds });
          log(`  ${def.id.padEnd(18)} ${size.label.padEnd(6)} c${String(conc).padEnd(5)} failed: ${failure}`);
          continue;
        }
        result.runs.push({ size: size.label, sizeBytes: size.bytes, conc, ...load, peakRss, fds });
        log(
          `  ${def.id.padEnd(18)} ${size.label.padEnd(6)} c${String(conc).padEnd(5)} ${load.rps.toFixed(0).padStart(7)} req/s ` +
            `${(load.throughput / 1e6).toFixed(1).padStart(8)} MB/s  p99 ${load.latency.p99Ms?.toFixed(1) ?? '–'} ms  ` +
            `err ${Object.values(load.errors).join('/')}  rss ${(peakRss / 1048576).toFixed(0)} MiB  fds ${before}/${after}/${later.fds}`,
        );
      }
    }
    if (cfg.limits && def.limits) {
      result.limits = await plainRows({
        port,
        bigBytes: ctx.bigBytes,
        durationS: cfg.durationS,
        quick: cfg.quick,
        ranges: def.id !== 'node-piped',
        listing: def.id !== 'node-piped',
      });
      for (const row of result.limits) logLimit(def.id, row);
    }
    if (cfg.resets > 0 && !def.sizes) {
      if (crashed) throw new Error(`${def.id} exited during the runs (${JSON.stringify(crashed)})`);
      const big = SIZES[2];
      const before = countFds(proc.pid);
      const storm = await resetStorm({ port, path: `/${big.file}`, count: cfg.resets });
      const after = countFds(proc.pid);
      const later = await fdsSettled(proc.pid, before, cfg.settleMaxMs);
      result.resets = {
        ...storm,
        path: `/${big.file}`,
        fds: { before, after, later: later.fds, laterMs: later.afterMs },
      };
      log(
        `  ${def.id.padEnd(18)} reset storm ×${storm.count}: fds ${before}/${after}/${later.fds} (${JSON.stringify(storm.outcomes)})`,
      );
    }
    if (crashed) throw new Error(`${def.id} exited during the runs (${JSON.stringify(crashed)})`);
  } catch (err) {
    result.status = crashed ? 'crashed' : 'failed';
    result.note = String(err.message ?? err)
      .split('\n')[0]
      .slice(0, 300);
    log(`bench: ${def.id}: ${result.note}`);
  } finally {
    await stopGroup(proc);
  }
  return result;
}

function logLimit(id, row) {
  const v =
    row.value === null
      ? 'failed'
      : row.unit === 'rps'
        ? `${row.value.toFixed(0)} req/s`
        : `${(row.value / 1e6).toFixed(1)} MB/s`;
  const cpu = row.genCpu === null ? '' : `  generator ${(row.genCpu * 100).toFixed(0)} % of a core`;
  log(`  ${id.padEnd(18)} ${row.row.padEnd(36)} ${v}${cpu}${row.error ? `  (${row.error})` : ''}`);
}

/** The TLS rows: the server started again with its TLS configuration (HTTP/2 and HTTP/1.1 by ALPN). */
async function benchTls(cfg, def, ctx) {
  const port = await freePort();
  const spec = def.tls(ctx, port);
  const proc = spawnGroup({ ...spec, label: `${def.id}-tls`, logFile: join(ctx.tmpDir, `${def.id}-tls.log`) });
  try {
    await waitForPort(proc, port);
    await tlsRows({ port, durationS: 1, quick: true, warmUp: true });
    const rows = await tlsRows({ port, durationS: cfg.durationS, quick: cfg.quick });
    for (const row of rows) logLimit(`${def.id}`, row);
    return rows;
  } catch (err) {
    const note = String(err.message ?? err)
      .split('\n')[0]
      .slice(0, 300);
    log(`bench: ${def.id} over TLS: ${note}`);
    return [{ row: 'TLS', unit: 'throughput', value: null, genCpu: null, command: '', error: note }];
  } finally {
    await stopGroup(proc);
  }
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor((v.length - 1) / 2)];
}

/**
 * One server's rounds as one result: per cell, the run whose headline figure is the median (lower
 * median for an even count), its peak RSS replaced by the highest of all rounds, and the figures
 * of every round kept in `rounds`. Descriptors come from the median run; every round's are in
 * `roundFds`. A server that failed in any round keeps that failure.
 */
function mergeRounds(results) {
  if (results.length === 1) return results[0];
  const failed = results.find((r) => r.status !== 'ok');
  const base = { ...results[results.length - 1] };
  if (failed) return { ...failed, note: `${failed.note} (in one of ${results.length} rounds)` };
  const headlineOf = (run) => (run.error ? -1 : run.sizeBytes >= 1024 * 1024 ? run.throughput : run.rps);
  base.runs = results[0].runs.map((first) => {
    const same = results.map((r) => r.runs.find((x) => x.size === first.size && x.conc === first.conc)).filter(Boolean);
    const m = median(same.map(headlineOf));
    const pick = same.find((x) => headlineOf(x) === m);
    return {
      ...pick,
      peakRss: Math.max(...same.map((x) => x.peakRss)),
      rounds: same.map(headlineOf),
      roundFds: same.map((x) => x.fds),
    };
  });
  base.idleFds = results[0].idleFds;
  if (base.limits) {
    base.limits = base.limits.map((last) => {
      const same = results.map((r) => r.limits?.find((x) => x.row === last.row)).filter(Boolean);
      const ok = same.filter((x) => x.value !== null);
      if (ok.length === 0) return last;
      const m = median(ok.map((x) => x.value));
      return { ...ok.find((x) => x.value === m), rounds: ok.map((x) => x.value) };
    });
  }
  return base;
}

function pickTool(cfg) {
  if (cfg.siege) {
    if (!onPath('siege')) throw new Error('--siege needs siege (apt-get install siege)');
    if (!onPath('timeout')) throw new Error('--siege needs timeout(1) from coreutils');
    return 'siege';
  }
  if (cfg.tool) return cfg.tool;
  return onPath('wrk') ? 'wrk' : 'autocannon';
}

function loadDescription(cfg, tool) {
  const rounds = cfg.rounds > 1 ? `; every cell the median of ${cfg.rounds} rounds` : '';
  return loadCommand(cfg, tool) + rounds;
}

function loadCommand(cfg, tool) {
  const conc = cfg.concurrencies.join('|');
  if (tool === 'siege')
    return `siege -c ${conc} -b -t ${cfg.siegeTime}, limit = 1000 in its own rc file, bounded by timeout(1)`;
  if (tool === 'wrk')
    return `wrk -t2 -c${conc} -d${cfg.durationS}s --latency (timeout 10 s for 13 B/13 KiB, 60 s for 13 MiB), after a ${cfg.warmupS} s warm-up`;
  return `autocannon -c ${conc} -d ${cfg.durationS} (timeout 10 s / 60 s), after a ${cfg.warmupS} s warm-up`;
}

function notes(cfg, tool, skipped) {
  const n = [
    "Peak RSS is the sum of VmRSS over the server's process tree (cluster workers, nginx's worker), sampled every 100 ms during the run.",
    `Descriptors (/proc/<pid>/fd over the tree): before the run, right after the load generator exits, and "later": as soon as the count is back to the value before the run, or after ${cfg.settleMaxMs / 1000} s at most${cfg.quick ? ' (shortened by --quick; the full run waits 10 s)' : ''}. A later count above "before" is a descriptor the server still holds.`,
    'Availability follows siege: successful (2xx/3xx) responses over attempts (responses plus connect/read/write errors).',
  ];
  if (tool === 'wrk') {
    n.push(
      'Throughput counts every byte wrk read, headers and partial bodies included (a 13 MiB download cut by the end of the run still counts).',
    );
    n.push(
      'wrk counts a response slower than its timeout as a timeout error and leaves it out of the latency histogram; a connection still waiting is counted again every 2 s.',
    );
    n.push(
      'Errors c/r/w/t/non-2xx: connect, read, write, timeout, responses outside 2xx/3xx. A read error is usually a connection the server closed or reset.',
    );
  }
  if (tool === 'autocannon')
    n.push(
      'autocannon counts the bytes of completed responses only: a 13 MiB download cut by the end of a short run adds nothing to its throughput.',
    );
  if (tool === 'siege')
    n.push(
      'Siege reports failed transactions without a cause; they are shown as read errors. It gives a mean and the longest response time, not percentiles.',
    );
  for (const s of skipped) n.push(`${s.label} was ${s.status}: ${s.note}`);
  return n;
}

/**
 * Issue 17's row: a 30 KiB script served by aqua-serve as identity, gzip and brotli (wrk, cached after a
 * warm-up), with the bytes on the wire per encoding. Null when skipped: no aqua-serve in the run, no wrk.
 */
async function compressionRow(cfg, defs) {
  if (!cfg.compression || !defs.some(({ def }) => def.id === 'aqua-serve')) return null;
  if (!onPath('wrk')) {
    log('bench: no wrk: the compression row is skipped');
    return null;
  }
  log('bench: compression (a 30 KiB script: identity, gzip, brotli)');
  return compressionBench({ aquaBin: cfg.aquaBin, conc: 50, durationS: cfg.quick ? 2 : 5 });
}

async function main() {
  reexecWithHigherLimit();
  const cfg = parseCli();
  const tool = pickTool(cfg);
  if (cfg.build) runStep('npm run build', 'npm', ['run', 'build', '--silent'], root, 300000);
  const peerBins = { serve: 'serve', 'http-server': 'http-server', 'sirv-cli': 'sirv' };
  const needed = cfg.only.filter((id) => peerBins[id]).map((id) => peerBins[id]);
  if (tool === 'autocannon') needed.push('autocannon');
  ensurePeers(needed);

  const tmpDir = mkdtempSync(join(os.tmpdir(), 'aqua-bench-'));
  chmodSync(tmpDir, 0o755);
  const cleanup = () => {
    killAllNow();
    rmSync(tmpDir, { recursive: true, force: true });
  };
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      log(`bench: ${sig}, stopping every server started`);
      cleanup();
      process.exit(130);
    });
  }

  try {
    const filesDir = join(tmpDir, 'files');
    makeFiles(filesDir);
    const ctx = { root, benchDir, filesDir, tmpDir, aquaBin: cfg.aquaBin, tls: null, bigBytes: 0 };
    if (cfg.limits) {
      log(
        'bench: writing the files of the limit rows (a large file, folders of 10,000 and 100,000 entries, a certificate)',
      );
      ctx.bigBytes = makeBigFile(filesDir, cfg.quick ? 256 * 1048576 : 1024 * 1048576);
      makeListingDir(filesDir);
      ctx.tls = onPath('openssl') ? makeCert(tmpDir) : null;
      if (!ctx.tls) log('bench: no openssl: the TLS rows are skipped');
      if (!onPath('h2load')) log('bench: no h2load (apt-get install nghttp2-client): its TLS rows will fail');
    }
    const nofile = nofileLimits().soft;
    const most = Math.max(...cfg.concurrencies);
    if (nofile < most * 2 + 100)
      log(
        `bench: warning: ulimit -n is ${nofile}; ${most} clients need about ${most * 2 + 100} (raise the hard limit)`,
      );
    log(`bench: ${loadDescription(cfg, tool)}; ${cfg.only.length} servers; descriptors limit ${nofile}`);
    const tools = toolVersions(cfg, tool);
    const defs = [];
    const servers = [];
    for (const id of cfg.only) {
      const extra = cfg.compare.find((c) => c.id === id);
      const def = extra ? compareServer(extra.id, extra.bin) : SERVERS.find((s) => s.id === id);
      const found = def.detect(ctx);
      if (!found.ok) {
        log(`bench: skipping ${def.id}: ${found.note}`);
        servers.push({ id: def.id, label: def.label, status: 'skipped', note: found.note, runs: [] });
        continue;
      }
      if (found.version) tools[def.id] = found.version;
      defs.push({ def, version: found.version });
    }
    // With --rounds, the whole sequence of servers runs again, so that each server meets the
    // machine's background load at several moments; the report keeps each cell's median.
    const rounds = new Map(defs.map(({ def }) => [def.id, []]));
    const loadBefore = os.loadavg();
    for (let round = 1; round <= cfg.rounds; round++) {
      for (const { def, version } of defs) {
        log(`bench: ${def.label}${cfg.rounds > 1 ? ` (round ${round} of ${cfg.rounds})` : ''}`);
        const result = await benchServer(cfg, tool, def, ctx);
        result.version = version;
        if (cfg.limits && def.limits && def.tls && ctx.tls && result.status === 'ok') {
          result.limits = [...(result.limits ?? []), ...(await benchTls(cfg, def, ctx))];
        }
        rounds.get(def.id).push(result);
      }
    }
    for (const { def } of defs) servers.push(mergeRounds(rounds.get(def.id)));
    const compression = await compressionRow(cfg, defs);
    const results = {
      version: 1,
      date: new Date().toISOString(),
      mode: cfg.siege ? 'siege' : cfg.quick ? 'quick' : 'full',
      tool,
      machine: machineInfo(),
      tools,
      nofile,
      aquaCommit: gitCommit(),
      loadDescription: loadDescription(cfg, tool),
      config: {
        sizes: cfg.sizes,
        concurrencies: cfg.concurrencies,
        durationS: tool === 'siege' ? cfg.siegeTime : cfg.durationS,
        warmupS: cfg.warmupS,
        settleMaxMs: cfg.settleMaxMs,
        resets: cfg.resets,
        rounds: cfg.rounds,
        limits: cfg.limits,
        bigBytes: ctx.bigBytes,
      },
      loadAverage: { before: loadBefore, after: os.loadavg() },
      servers,
      compression,
    };
    results.notes = notes(
      cfg,
      tool,
      servers.filter((s) => s.status !== 'ok'),
    );
    const outDir = join(benchDir, 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, `${cfg.name}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(outDir, `${cfg.name}.md`), markdown(results));
    writeFileSync(join(outDir, `${cfg.name}.svg`), svg(results));
    process.stdout.write(`\n${textTable(results)}\n`);
    const t = targetsText(results);
    if (t) process.stdout.write(`\nTargets (aqua-serve vs sirv-cli):\n${t}\n`);
    if (compression) process.stdout.write(`\n${compressionTable(compression)}\n`);
    const limits = limitsText(results);
    if (limits) process.stdout.write(`\nLimits:\n${limits}\n`);
    process.stdout.write(`\nWrote bench/results/${cfg.name}.{json,md,svg}\n`);
  } finally {
    cleanup();
  }
}

main().catch((err) => {
  killAllNow();
  process.stderr.write(`bench: ${err.message ?? err}\n`);
  process.exit(1);
});
