#!/usr/bin/env node
// `npm run bench:transcode` (node bench/transcode.js): issue 15's conversions for the player, on this machine.
//  1. A remux (H.264 copied, AC3 made AAC) and a transcode (MPEG-4 Part 2 → H.264 + AAC at --transcode-quality)
//     of a 720p film: the time to first frame (what a player fetches before it can show one: ?media, the
//     playlist, segment 0) and the CPU time per second of film (the server and its ffmpeg children).
//  2. How many 720p transcodes at once keep up with real time: N viewers of N different films, --transcodes N,
//     each fetching every segment in turn; N keeps up when every viewer gets film seconds at least as fast as
//     they play.
// Everything on 127.0.0.1, bounded in time; only the server this script starts is stopped.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, spawnGroup, stopGroup, waitForPort } from './lib/proc.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '24' },
    quality: { type: 'string', default: 'medium' },
    'max-viewers': { type: 'string', default: '4' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(`Usage: node bench/transcode.js [--seconds s] [--quality low|medium|high] [--max-viewers n]
Remux and transcode of a --seconds long 720p film: time to first frame and CPU per film second; then how many
720p transcodes at once keep up with real time (up to --max-viewers).`);
  process.exit(0);
}
const SECONDS = Number(args.seconds);
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ)

function ffmpeg(list) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...list], { timeout: 600_000 });
}

/** CPU seconds of `pid` and of its children it has reaped (ffmpeg runs), from /proc. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return (utime + stime + cutime + cstime) / TICK;
}

function get(port, path) {
  return new Promise((done, fail) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 300_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.on('timeout', () => req.destroy(new Error(`timeout ${path}`)));
  });
}

/** Fetch what a player needs, then every segment in turn; the time to segment 0 and the whole time. */
async function watch(port, name, mode) {
  const t0 = performance.now();
  const base = `/${encodeURIComponent(name)}`;
  const info = JSON.parse((await get(port, `${base}?media`)).body.toString());
  const playlist = (await get(port, `${base}?hls=${mode}`)).body.toString();
  const segments = playlist.split('\n').filter((l) => l.startsWith('./'));
  let firstMs = 0;
  for (const [i, seg] of segments.entries()) {
    const r = await get(port, `/${seg.slice(2)}`);
    if (r.status !== 200) throw new Error(`${name} segment ${i}: ${r.status}`);
    if (i === 0) firstMs = performance.now() - t0;
  }
  return { firstMs, totalMs: performance.now() - t0, duration: info.duration, segments: segments.length };
}

async function withServer(dir, transcodes, run) {
  const cache = mkdtempSync(join(os.tmpdir(), 'aqua-bench-cache-'));
  const port = await freePort();
  const cliArgs = [join(root, 'bin/aqua-serve.js'), '-p', String(port), '-H', '127.0.0.1', '-q'];
  cliArgs.push('--transcodes', String(transcodes), '--transcode-quality', args.quality, '--cache-dir', cache, dir);
  const server = spawnGroup({ cmd: process.execPath, args: cliArgs, label: 'aqua-serve' });
  try {
    await waitForPort(server, port);
    return await run(port, server.pid);
  } finally {
    await stopGroup(server);
    rmSync(cache, { recursive: true, force: true });
  }
}

async function main() {
  const dir = mkdtempSync(join(os.tmpdir(), 'aqua-bench-media-'));
  try {
    console.log(`making a ${SECONDS} s 1280x720 24 fps film (H.264 + AC3, and MPEG-4 Part 2 + MP3)…`);
    const src = ['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=24', '-f', 'lavfi', '-i', 'sine=frequency=440'];
    const t = ['-t', String(SECONDS)];
    ffmpeg([...src, ...t, '-c:v', 'libx264', '-preset', 'veryfast', '-g', '48', '-c:a', 'ac3', join(dir, 'remux.mkv')]);
    ffmpeg([...src, ...t, '-c:v', 'mpeg4', '-q:v', '4', '-c:a', 'libmp3lame', join(dir, 'film0.avi')]);
    const rows = [];
    for (const [name, mode] of [
      ['remux.mkv', 'remux'],
      ['film0.avi', 'transcode'],
    ]) {
      const r = await withServer(dir, 1, async (port, pid) => {
        const cpu0 = cpuSeconds(pid);
        const w = await watch(port, name, mode);
        return { ...w, cpu: cpuSeconds(pid) - cpu0 };
      });
      rows.push({ mode, ...r });
      console.log(
        `${mode.padEnd(9)} first frame after ${r.firstMs.toFixed(0)} ms; ${r.segments} segments in ` +
          `${(r.totalMs / 1000).toFixed(1)} s for ${r.duration.toFixed(1)} s of film ` +
          `(${(r.duration / (r.totalMs / 1000)).toFixed(1)}x real time); CPU ${r.cpu.toFixed(2)} s ` +
          `(${(r.cpu / r.duration).toFixed(3)} CPU s per film second)`,
      );
    }
    let keepsUp = 0;
    for (let n = 1; n <= Number(args['max-viewers']); n++) {
      for (let i = 1; i < n; i++) copyFileSync(join(dir, 'film0.avi'), join(dir, `film${i}.avi`));
      const runs = await withServer(dir, n, (port) =>
        Promise.all(Array.from({ length: n }, (_, i) => watch(port, `film${i}.avi`, 'transcode'))),
      );
      const speeds = runs.map((w) => w.duration / (w.totalMs / 1000));
      const slowest = Math.min(...speeds);
      console.log(`${n} concurrent 720p transcodes: slowest viewer at ${slowest.toFixed(2)}x real time`);
      if (slowest < 1) break;
      keepsUp = n;
    }
    console.log(
      `→ ${keepsUp} concurrent 720p transcode(s) keep up with real time on this machine ` +
        `(${os.availableParallelism()} cores, --transcode-quality ${args.quality})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
