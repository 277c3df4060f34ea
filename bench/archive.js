#!/usr/bin/env node
// `npm run bench:archive` (node bench/archive.js): folder archives (issue 16).
//  1. Throughput: the ZIP of a folder of 13 MiB files against downloads of one 13 MiB file, same clients, same
//     time; the target is a ratio of at least 0.8.
//  2. Memory: the server's peak RSS while one client downloads the ZIP of a folder of 13 MiB sparse files of
//     100 MiB, 1 GiB and 10 GiB in all; the target is flat (the biggest peak within 1.25x of the smallest).
// Everything on 127.0.0.1, bounded in time; only the server this script starts is stopped.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, spawnGroup, startRssSampler, stopGroup, treeRss, waitForPort } from './lib/proc.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(benchDir, '..');
const MiB = 1024 * 1024;
const FILE = 13 * MiB;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '4' },
    files: { type: 'string', default: '8' },
    sizes: { type: 'string', default: '100,1024,10240' },
    'aqua-bin': { type: 'string', default: join(root, 'bin/aqua-serve.js') },
    'no-build': { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`Usage: node bench/archive.js [--duration s] [--concurrency n] [--files n] [--sizes MiB,...]
  [--aqua-bin path] [--no-build] [--json file]
Throughput of ?download=zip of a folder of --files 13 MiB files vs the single 13 MiB file (--concurrency clients,
--duration seconds each), then peak server RSS while downloading the ZIP of sparse folders of --sizes MiB.`);
  process.exit(0);
}

/** GET `path` over and over from `clients` parallel loops for `seconds`; bytes received per second. */
async function throughput(port, path, clients, seconds) {
  const deadline = Date.now() + seconds * 1000;
  let bytes = 0;
  const loop = async () => {
    while (Date.now() < deadline) {
      await new Promise((done) => {
        const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          const timer = setTimeout(() => req.destroy(), Math.max(deadline - Date.now(), 0));
          res.on('data', (c) => (bytes += c.length));
          res.on('end', () => (clearTimeout(timer), done()));
          res.on('error', () => (clearTimeout(timer), done()));
        });
        req.on('error', done);
      });
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: clients }, loop));
  return bytes / ((Date.now() - started) / 1000);
}

/** One full download of `path`, discarding the bytes; resolves with bytes, seconds, and Content-Length. */
function download(port, path, timeoutMs) {
  return new Promise((done, fail) => {
    const started = Date.now();
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c) => (bytes += c.length));
      res.on('end', () =>
        done({ bytes, seconds: (Date.now() - started) / 1000, length: Number(res.headers['content-length']) }),
      );
      res.on('error', fail);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('download timed out')));
    req.on('error', fail);
  });
}

function makeFolders(dir, files, sizesMiB) {
  const payload = randomBytes(FILE);
  mkdirSync(join(dir, 'one'));
  writeFileSync(join(dir, 'one', '13MiB.bin'), payload);
  mkdirSync(join(dir, 'folder'));
  for (let i = 0; i < files; i++) writeFileSync(join(dir, 'folder', `${String(i).padStart(3, '0')}.bin`), payload);
  for (const mib of sizesMiB) {
    const sub = join(dir, `sparse-${mib}MiB`);
    mkdirSync(sub);
    for (let i = 0, left = mib * MiB; left > 0; i++, left -= FILE) {
      const file = join(sub, `${String(i).padStart(4, '0')}.bin`);
      writeFileSync(file, '');
      truncateSync(file, Math.min(FILE, left));
    }
  }
}

async function main() {
  if (!args['no-build']) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const sizes = args.sizes.split(',').map(Number);
  const dir = mkdtempSync(join(os.tmpdir(), 'aqua-bench-archive-'));
  let server;
  try {
    makeFolders(dir, Number(args.files), sizes);
    const port = await freePort();
    server = spawnGroup({
      cmd: process.execPath,
      args: [args['aqua-bin'], dir, '--port', String(port), '--host', '127.0.0.1', '--quiet'],
      label: 'aqua-serve',
    });
    await waitForPort(server, port);
    const clients = Number(args.concurrency);
    const seconds = Number(args.duration);
    await throughput(port, '/one/13MiB.bin', clients, 1); // warm the page cache and the block cache
    const single = await throughput(port, '/one/13MiB.bin', clients, seconds);
    await throughput(port, '/folder/?download=zip', clients, 1);
    const zip = await throughput(port, '/folder/?download=zip', clients, seconds);
    const memory = [];
    for (const mib of sizes) {
      const idle = treeRss(server.pid);
      const sampler = startRssSampler(server.pid, 50);
      const got = await download(port, `/sparse-${mib}MiB/?download=zip`, 600_000);
      const { peakRss } = sampler.stop();
      if (got.bytes !== got.length) throw new Error(`sparse-${mib}MiB: got ${got.bytes} of ${got.length} bytes`);
      memory.push({
        folderMiB: mib,
        idleRssMiB: idle / MiB,
        peakRssMiB: peakRss / MiB,
        MBps: got.bytes / got.seconds / 1e6,
      });
    }
    const peaks = memory.map((m) => m.peakRssMiB);
    const result = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
      clients,
      seconds,
      singleFileMBps: single / 1e6,
      zipMBps: zip / 1e6,
      ratio: zip / single,
      memory,
      memoryFlat: Math.max(...peaks) / Math.min(...peaks),
    };
    console.log(`\nFolder archives (${result.machine}; ${clients} clients, ${seconds} s each)`);
    console.log(`  single 13 MiB file        ${result.singleFileMBps.toFixed(0).padStart(6)} MB/s`);
    console.log(`  zip of ${args.files} × 13 MiB files    ${result.zipMBps.toFixed(0).padStart(6)} MB/s`);
    console.log(`  ratio zip / single         ${result.ratio.toFixed(2)}  (target ≥ 0.80)`);
    for (const m of memory) {
      const label = `zip of ${m.folderMiB} MiB (sparse)`.padEnd(26);
      console.log(
        `  ${label} peak RSS ${m.peakRssMiB.toFixed(0).padStart(4)} MiB (idle ${m.idleRssMiB.toFixed(0)}), ${m.MBps.toFixed(0)} MB/s`,
      );
    }
    console.log(`  memory, largest / smallest peak  ${result.memoryFlat.toFixed(2)}  (target ≤ 1.25)`);
    if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2) + '\n');
  } finally {
    if (server) await stopGroup(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
