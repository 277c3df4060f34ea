#!/usr/bin/env node
// CPU profile of aqua-serve under one load: `node bench/profile.js --size 13B --concurrency 100`.
// Starts `node --cpu-prof bin/aqua-serve.js`, loads it with wrk, ends it with SIGUSR2 (see
// lib/exit-on-signal.cjs) so the profile is written, and prints where the time went.
// `node bench/profile.js --summarize <file.cpuprofile>` only prints the summary.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { runWrk } from './lib/load.js';
import { freePort, killAllNow, spawnGroup, startRssSampler, stopGroup, waitForPort } from './lib/proc.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDir, '..');
const BYTES = { '13B': 13, '13KiB': 13 * 1024, '13MiB': 13 * 1024 * 1024 };

/** Self time per function and per source, from a .cpuprofile (Chrome DevTools format). */
export function summarize(profile, top = 30) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const n of profile.nodes) self.set(n.id, 0);
  // timeDeltas[i] is the time before samples[i]; charge it to that sample's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fnKey = (cf) =>
    `${cf.functionName || '(anonymous)'}  ${shortUrl(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
  const byFn = new Map();
  const bySource = new Map();
  for (const [id, us] of self) {
    const cf = byId.get(id).callFrame;
    byFn.set(fnKey(cf), (byFn.get(fnKey(cf)) ?? 0) + us);
    const src = sourceGroup(cf);
    bySource.set(src, (bySource.get(src) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const lines = [`total ${(total / 1e6).toFixed(2)} s sampled`, '', 'self time by source:'];
  for (const [k, v] of [...bySource].sort((a, b) => b[1] - a[1]).slice(0, 20)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', `self time by function (top ${top}):`);
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  return lines.join('\n');
}

function shortUrl(url) {
  if (!url) return '';
  if (url.startsWith('node:')) return url;
  const p = url.replace(/^file:\/\//, '');
  const i = p.indexOf('/dist/');
  if (i >= 0) return p.slice(i + 1);
  const j = p.indexOf('/node_modules/');
  if (j >= 0) return p.slice(j + 1);
  return basename(p);
}

function sourceGroup(cf) {
  const name = cf.functionName;
  if (!cf.url) {
    if (name === '(garbage collector)' || name === '(idle)' || name === '(program)') return name;
    return `native: ${name || '(anonymous)'}`;
  }
  if (cf.url.startsWith('node:'))
    return cf.url
      .replace(/^node:internal\//, 'node:internal/')
      .split('/')
      .slice(0, 3)
      .join('/');
  if (cf.url.includes('/node_modules/')) return `node_modules/${cf.url.split('/node_modules/')[1].split('/')[0]}`;
  if (cf.url.includes('/dist/')) return `aqua-serve ${shortUrl(cf.url)}`;
  return shortUrl(cf.url);
}

async function main() {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '13B' },
      concurrency: { type: 'string', default: '100' },
      duration: { type: 'string', default: '10' },
      'aqua-bin': { type: 'string' },
      summarize: { type: 'string' },
      top: { type: 'string', default: '30' },
      out: { type: 'string' },
    },
  });
  if (values.summarize) {
    process.stdout.write(`${summarize(JSON.parse(readFileSync(values.summarize, 'utf8')), Number(values.top))}\n`);
    return;
  }
  if (!(values.size in BYTES)) throw new Error(`--size must be one of ${Object.keys(BYTES).join(', ')}`);
  const conc = Number(values.concurrency);
  const durationS = Number(values.duration);
  const aquaBin = resolve(values['aqua-bin'] ?? join(root, 'bin', 'aqua-serve.js'));
  const tmp = mkdtempSync(join(os.tmpdir(), 'aqua-prof-'));
  chmodSync(tmp, 0o755);
  const files = join(tmp, 'files');
  mkdirSync(files);
  const file = `${values.size}.bin`;
  writeFileSync(join(files, file), BYTES[values.size] === 13 ? 'Hello, aqua!\n' : randomBytes(BYTES[values.size]));
  const profDir = join(tmp, 'prof');
  const port = await freePort();
  const proc = spawnGroup({
    cmd: process.execPath,
    args: [
      '--cpu-prof',
      '--cpu-prof-dir',
      profDir,
      '--require',
      join(benchDir, 'lib', 'exit-on-signal.cjs'),
      aquaBin,
      files,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--quiet',
    ],
    label: 'aqua-serve --cpu-prof',
    logFile: join(tmp, 'server.log'),
  });
  try {
    await waitForPort(proc, port);
    const url = `http://127.0.0.1:${port}/${file}`;
    await runWrk({ url, conc: 100, durationS: 2, timeoutS: 60 }); // warm-up
    const rss = startRssSampler(proc.pid);
    const load = await runWrk({ url, conc, durationS, timeoutS: BYTES[values.size] > 1e6 ? 60 : 10 });
    const { peakRss } = rss.stop();
    process.stdout.write(
      `${values.size} c${conc} ${durationS}s: ${load.rps.toFixed(0)} req/s, ${(load.throughput / 1e6).toFixed(1)} MB/s, ` +
        `p50 ${load.latency.p50Ms?.toFixed(1)} ms, p99 ${load.latency.p99Ms?.toFixed(1)} ms, errors ${JSON.stringify(load.errors)}, peak RSS ${(peakRss / 1048576).toFixed(0)} MiB\n\n`,
    );
    process.kill(proc.pid, 'SIGUSR2');
    await Promise.race([proc.exited, sleep(10000)]);
    const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!prof) throw new Error('no profile written');
    const outDir = join(benchDir, 'results', 'tmp');
    mkdirSync(outDir, { recursive: true });
    const out = values.out ?? join(outDir, `profile-${values.size}-c${conc}.cpuprofile`);
    const text = readFileSync(join(profDir, prof), 'utf8');
    writeFileSync(out, text);
    process.stdout.write(`${summarize(JSON.parse(text), Number(values.top))}\n\nprofile: ${out}\n`);
  } finally {
    await stopGroup(proc);
    killAllNow();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    killAllNow();
    process.stderr.write(`profile: ${err.message ?? err}\n`);
    process.exit(1);
  });
}
