#!/usr/bin/env node
// npm run bench:attacks — issue 12's attacks, each against a fresh server: what it costs the server (peak
// RSS over the idle RSS) and what it costs everyone else (the worst latency of a 13-byte request made every
// 100 ms on a new connection while the attack runs). Run it with --compare to put another build beside
// this one in the same invocation, e.g. the build before issue 12:
//
//   git worktree add --detach /tmp/before 58d656d && (cd /tmp/before && npm ci && npm run build)
//   npm run bench:attacks -- --compare before=/tmp/before/bin/aqua-serve.js
//
// Every attack is bounded in time (a few seconds) and in connections; only 127.0.0.1 is ever contacted.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeCert } from './lib/limits.js';
import { countFds, freePort, spawnGroup, startRssSampler, stopGroup, treeRss, waitForPort } from './lib/proc.js';
import { clientPreface, rapidResets } from './lib/h2frames.js';
import { fetchAll, startProbe } from './lib/probe.js';

const MiB = 1024 * 1024;
const TINY = 'hello, aqua!\n';
const PROBE_TIMEOUT_MS = 10_000;
const HERE = fileURLToPath(new URL('.', import.meta.url));

/**
 * @typedef {{ pid: number, port: number, tls: boolean }} Target
 * @typedef {{ note: string, close: () => void }} Outcome what the attack saw, and how to end what it holds
 * @typedef {{ name: string, what: string, tls?: boolean, openFiles?: number, holdMs: number,
 *   run: (t: Target) => Promise<Outcome> }} Attack
 */

// ---------------------------------------------------------------------------------------------------------------
// Clients

/** A TCP (or TLS) connection to the target. @param {Target} t @returns {net.Socket} */
function connect(t) {
  return t.tls
    ? tls.connect({ host: '127.0.0.1', port: t.port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    : net.connect({ host: '127.0.0.1', port: t.port });
}

/**
 * Send raw request bytes and read the answer's first line, then stop reading (the socket stays open, its
 * kernel buffers fill, the server sees a client that never reads on). Resolves with the status (0: none
 * within `waitMs`).
 * @param {Target} t @param {string} raw @param {number} waitMs
 * @returns {Promise<{ status: number, socket: net.Socket }>}
 */
function stall(t, raw, waitMs) {
  return new Promise((done) => {
    const socket = connect(t);
    socket.on('error', () => undefined);
    const timer = setTimeout(() => done({ status: 0, socket }), waitMs);
    socket.write(raw);
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      socket.pause();
      done({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 0), socket });
    });
    socket.once('close', () => {
      clearTimeout(timer);
      done({ status: 0, socket });
    });
  });
}

/** @param {string} path */
const get = (path) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

/** @param {{ socket: net.Socket }[]} held */
const closer = (held) => () => held.forEach((h) => h.socket.destroy());

/**
 * What stalled clients got (their statuses), and how to let them go.
 * @param {{ status: number, socket: net.Socket }[]} held @returns {Outcome}
 */
const stalledOutcome = (held) => ({ note: tally(held.map((h) => h.status)), close: closer(held) });

/** @param {number[]} statuses */
function tally(statuses) {
  const counts = new Map();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${n}×${s === 0 ? 'no answer' : s}`)
    .join(', ');
}

/** Run `task` for 0..count-1, at most `limit` at a time. @template T */
async function pool(count, limit, task) {
  /** @type {T[]} */
  const out = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The attacks (issue 12's list, in its order)

/** @type {Attack[]} */
const ATTACKS = [
  {
    name: 'fifo',
    what: '8 requests for a FIFO and 8 for a folder whose index.html is a FIFO',
    holdMs: 5_000,
    async run(t) {
      const held = await Promise.all(
        Array.from({ length: 16 }, (_, i) => stall(t, get(i < 8 ? '/pipe' : '/fifo-site/'), 3_000)),
      );
      return stalledOutcome(held);
    },
  },
  {
    name: 'unix-socket',
    what: 'a request for a Unix socket file',
    holdMs: 1_000,
    async run(t) {
      const r = await fetchAll(t, '/sock', 3_000);
      return { note: `answer ${r.status || 'none'}`, close: () => undefined };
    },
  },
  {
    name: 'listing-stalled',
    what: '50 clients ask for a 10,000-entry listing and never read',
    holdMs: 6_000,
    async run(t) {
      const held = await Promise.all(Array.from({ length: 50 }, () => stall(t, get('/l10k/'), 5_000)));
      return stalledOutcome(held);
    },
  },
  {
    name: 'listing-pipelined',
    what: 'one connection pipelines 32 requests for a 10,000-entry listing and never reads',
    holdMs: 6_000,
    async run(t) {
      const held = [await stall(t, get('/l10k/').repeat(32), 5_000)];
      return stalledOutcome(held);
    },
  },
  {
    name: 'view-stalled',
    what: '50 clients ask for ?view of a 1 MiB text file and never read',
    holdMs: 6_000,
    async run(t) {
      const held = await Promise.all(Array.from({ length: 50 }, () => stall(t, get('/text1m.txt?view'), 5_000)));
      return stalledOutcome(held);
    },
  },
  {
    name: 'listing-100k',
    what: '8 concurrent listings of a 100,000-entry folder, read in full',
    holdMs: 0,
    async run(t) {
      const rs = await Promise.all(Array.from({ length: 8 }, () => fetchAll(t, '/l100k/', 60_000)));
      const first = Math.max(...rs.map((r) => r.firstMs));
      const all = Math.max(...rs.map((r) => r.ms));
      const note = `${tally(rs.map((r) => r.status))}; first byte ≤ ${ms(first)}, all read in ${ms(all)}`;
      return { note, close: () => undefined };
    },
  },
  {
    name: 'vtt-8m',
    what: '?format=vtt of an 8 MiB .srt, twice at once',
    holdMs: 0,
    async run(t) {
      const rs = await Promise.all([0, 1].map(() => fetchAll(t, '/subs8m.srt?format=vtt', 60_000)));
      return { note: `${tally(rs.map((r) => r.status))}; ${ms(Math.max(...rs.map((r) => r.ms)))}`, close: () => {} };
    },
  },
  {
    name: 'view-100k',
    what: '?view of a video in a 100,000-entry folder (previous/next), 3 pages one after another',
    holdMs: 0,
    async run(t) {
      const times = [];
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const r = await fetchAll(t, '/l100k/movie.mp4?view', 60_000);
        times.push(r.ms);
        statuses.push(r.status);
      }
      return { note: `${tally(statuses)}; pages in ${times.map(ms).join(', ')}`, close: () => undefined };
    },
  },
  {
    name: 'fd-downloads',
    what: 'ulimit -n 4096: 2,100 stalled downloads of 20 MiB files',
    openFiles: 4096,
    holdMs: 4_000,
    async run(t) {
      const held = await pool(2_100, 2_100, (i) => stall(t, get(`/dl/f-${i % 500}.bin`), 15_000));
      return stalledOutcome(held);
    },
  },
  {
    name: 'slow-readers',
    what: 'ulimit -n 4096: 2,000 slow readers of 500 distinct 20 MiB files',
    openFiles: 4096,
    holdMs: 2_000,
    async run(t) {
      const started = Date.now();
      let within12 = 0;
      const held = await pool(2_000, 2_000, (i) =>
        stall(t, get(`/dl/f-${i % 500}.bin`), 30_000).then((h) => {
          if (h.status !== 0 && Date.now() - started <= 12_000) within12 += 1;
          return h;
        }),
      );
      const note = `${tally(held.map((h) => h.status))}; ${within12} answered within 12 s, all by ${ms(Date.now() - started)}`;
      return { note, close: closer(held) };
    },
  },
  {
    name: 'h2-zero-window',
    what: 'ulimit -n 4096, TLS: 33 HTTP/2 connections × 128 streams with a zero flow-control window',
    tls: true,
    openFiles: 4096,
    holdMs: 4_000,
    async run(t) {
      const http2 = await import('node:http2');
      const sessions = [];
      let answered = 0;
      for (let c = 0; c < 33; c++) {
        const session = http2.connect(`https://127.0.0.1:${t.port}`, {
          rejectUnauthorized: false,
          settings: { initialWindowSize: 0 },
        });
        session.on('error', () => undefined);
        sessions.push(session);
        for (let s = 0; s < 128; s++) {
          const stream = session.request({ ':path': `/dl/f-${(c * 128 + s) % 500}.bin` });
          stream.on('error', () => undefined);
          stream.once('response', () => (answered += 1));
          stream.pause();
        }
      }
      await sleep(3_000);
      return {
        note: `${answered} of ${33 * 128} streams got headers`,
        close: () => sessions.forEach((s) => s.destroy()),
      };
    },
  },
  {
    name: 'h2-idle',
    what: 'TLS: an HTTP/2 connection that never opens a stream (is it closed after the 5 s idle time?)',
    tls: true,
    holdMs: 0,
    async run(t) {
      const http2 = await import('node:http2');
      const session = http2.connect(`https://127.0.0.1:${t.port}`, { rejectUnauthorized: false });
      session.on('error', () => undefined);
      const started = Date.now();
      const closed = await Promise.race([
        new Promise((r) => session.once('close', () => r(Date.now() - started))),
        sleep(12_000).then(() => null),
      ]);
      session.destroy();
      return { note: closed === null ? 'still open after 12 s' : `closed after ${ms(closed)}`, close: () => {} };
    },
  },
  {
    name: 'h2-rapid-reset',
    what: 'TLS: 5 connections × 2,000 HTTP/2 streams opened and reset at once (CVE-2023-44487)',
    tls: true,
    holdMs: 3_000,
    async run(t) {
      const sockets = await Promise.all(
        Array.from(
          { length: 5 },
          () =>
            new Promise((done) => {
              const s = tls.connect({
                host: '127.0.0.1',
                port: t.port,
                ALPNProtocols: ['h2'],
                rejectUnauthorized: false,
              });
              s.on('error', () => undefined);
              s.on('data', () => undefined);
              s.once('secureConnect', () => done(s));
            }),
        ),
      );
      let closed = 0;
      for (const s of sockets) {
        s.once('close', () => (closed += 1));
        s.write(Buffer.concat([clientPreface(), rapidResets(1, 2_000, '/probe.txt', `127.0.0.1:${t.port}`)]));
      }
      await sleep(2_000);
      return {
        note: `${closed} of 5 attacking connections closed by the server`,
        close: () => sockets.forEach((s) => s.destroy()),
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Fixtures, servers, the report

/** @param {number} v */
function ms(v) {
  return v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}

function makeTree() {
  const dir = mkdtempSync(join(os.tmpdir(), 'aqua-attacks-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  writeFileSync(join(root, 'probe.txt'), TINY);
  execFileSync('mkfifo', [join(root, 'pipe')]);
  mkdirSync(join(root, 'fifo-site'));
  execFileSync('mkfifo', [join(root, 'fifo-site', 'index.html')]);
  execFileSync('python3', [
    '-c',
    'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])',
    join(root, 'sock'),
  ]);
  const folder = (name, count) => {
    mkdirSync(join(root, name));
    for (let i = 0; i < count; i++)
      writeFileSync(join(root, name, `entry-${String(i).padStart(6, '0')}-a-longer-name.txt`), '');
  };
  folder('l10k', 10_000);
  folder('l100k', 100_000);
  writeFileSync(join(root, 'l100k', 'movie.mp4'), Buffer.alloc(4096));
  const line = 'The quick brown fox jumps over the lazy dog <and> & "quotes" 0123456789\n';
  writeFileSync(join(root, 'text1m.txt'), line.repeat(Math.ceil(MiB / line.length)).slice(0, MiB));
  const cues = [];
  let size = 0;
  for (let i = 1; size < 8 * MiB; i++) {
    const s = i * 2;
    const cue = `${i}\n00:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)},000 --> 00:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)},900\nLine number ${i} of the subtitles, <i>italic</i> & more\n\n`;
    cues.push(cue);
    size += cue.length;
  }
  writeFileSync(join(root, 'subs8m.srt'), cues.join(''));
  mkdirSync(join(root, 'dl'));
  for (let i = 0; i < 500; i++) {
    writeFileSync(join(root, 'dl', `f-${i}.bin`), '');
    truncateSync(join(root, 'dl', `f-${i}.bin`), 20 * MiB);
  }
  const cert = makeCert(dir);
  return { dir, root, cert };
}

/** @param {number} n */
function pad(n) {
  return String(n).padStart(2, '0');
}

/** Pages of kernel memory that TCP holds now (/proc/net/sockstat), or 0 where that cannot be read. */
function tcpMemoryPages() {
  try {
    return Number(/^TCP:.* mem (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Wait (at most 30 s) until the sockets of the last attack have given their kernel memory back. The descriptor attacks
 * fill the machine's TCP memory past tcp_mem; the next attack started at once would meet a kernel still under memory
 * pressure, retransmitting with backoff, and measure that instead of the server.
 */
async function settleTcpMemory() {
  const until = Date.now() + 30_000;
  while (tcpMemoryPages() > 16_384 && Date.now() < until) await sleep(250);
}

/**
 * @param {{ id: string, bin: string }} build @param {Attack} attack @param {ReturnType<typeof makeTree>} tree
 */
async function runOne(build, attack, tree) {
  const port = await freePort();
  const args = [build.bin, '-H', '127.0.0.1', '-p', String(port), tree.root];
  if (attack.tls) args.push('--tls-cert', tree.cert.cert, '--tls-key', tree.cert.key);
  const cmd = attack.openFiles ? 'sh' : process.execPath;
  const argv = attack.openFiles
    ? ['-c', `ulimit -n ${attack.openFiles} && exec "$0" "$@"`, process.execPath, ...args]
    : args;
  const logFile = join(tree.dir, `${build.id}-${attack.name}.log`);
  const proc = spawnGroup({ cmd, args: argv, label: `${build.id} ${attack.name}`, logFile });
  try {
    await waitForPort(proc, port, 15_000);
    const t = { pid: proc.pid, port, tls: Boolean(attack.tls) };
    await fetchAll(t, '/probe.txt', 5_000); // warm
    await sleep(300);
    const idleRss = treeRss(proc.pid);
    const fdsIdle = countFds(proc.pid);
    const rss = startRssSampler(proc.pid, 50);
    const probe = await startProbe(t, '/probe.txt', TINY.length, PROBE_TIMEOUT_MS);
    const started = Date.now();
    const outcome = await Promise.race([
      attack.run(t),
      sleep(90_000).then(() => ({ note: 'attack did not finish within 90 s', close: () => undefined })),
    ]);
    const left = attack.holdMs - (Date.now() - started);
    if (left > 0) await sleep(left);
    const p = await probe.stop();
    const { peakRss } = rss.stop();
    const fdsPeak = countFds(proc.pid);
    outcome.close();
    return { build: build.id, attack: attack.name, idleRss, peakRss, fdsIdle, fdsPeak, ...p, note: outcome.note };
  } finally {
    await stopGroup(proc, 2_000);
  }
}

function parse() {
  const { values } = parseArgs({
    options: {
      compare: { type: 'string', multiple: true },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(`usage: npm run bench:attacks -- [--compare id=path/to/bin/aqua-serve.js]... [--only a,b]
attacks: ${ATTACKS.map((a) => a.name).join(', ')}`);
    process.exit(0);
  }
  const builds = [{ id: 'this', bin: resolve(HERE, '../bin/aqua-serve.js') }];
  for (const spec of values.compare ?? []) {
    const m = /^([\w.-]+)=(.+)$/.exec(spec);
    if (!m) {
      console.error(`--compare wants id=path/to/bin/aqua-serve.js, got ${spec}`);
      process.exit(2);
    }
    builds.push({ id: m[1], bin: resolve(m[2]) });
  }
  const only = values.only?.split(',');
  const unknown = only?.filter((n) => !ATTACKS.some((a) => a.name === n)) ?? [];
  if (unknown.length) {
    console.error(`unknown attack: ${unknown.join(', ')}`);
    process.exit(2);
  }
  return { builds, attacks: ATTACKS.filter((a) => !only || only.includes(a.name)) };
}

async function main() {
  const { builds, attacks } = parse();
  console.error('making the tree (100,000 + 10,000 entries, 500 sparse 20 MiB files)…');
  const tree = makeTree();
  const rows = [];
  try {
    for (const attack of attacks) {
      for (const build of builds) {
        await settleTcpMemory();
        console.error(`${attack.name} on ${build.id}…`);
        const r = await runOne(build, attack, tree);
        rows.push(r);
        console.error(
          `  RSS ${(r.idleRss / MiB).toFixed(0)} → ${(r.peakRss / MiB).toFixed(0)} MiB, worst 13 B ${ms(r.worstMs)}` +
            ` (${r.failed} of ${r.count} failed), fds ${r.fdsIdle} → ${r.fdsPeak}; ${r.note}`,
        );
      }
    }
  } finally {
    if (process.env.AQUA_KEEP) console.error(`kept ${tree.dir}`);
    else rmSync(tree.dir, { recursive: true, force: true });
  }
  const header = '| attack | build | RSS idle → peak | worst 13-byte request | probes failed | what the attack got |';
  console.log(`\n${header}\n| --- | --- | --- | --- | --- | --- |`);
  for (const r of rows) {
    const rss = `${(r.idleRss / MiB).toFixed(0)} → ${(r.peakRss / MiB).toFixed(0)} MiB`;
    console.log(`| ${r.attack} | ${r.build} | ${rss} | ${ms(r.worstMs)} | ${r.failed} of ${r.count} | ${r.note} |`);
  }
  console.log('\nattacks:');
  for (const a of attacks) console.log(`- ${a.name}: ${a.what}`);
}

await main();
