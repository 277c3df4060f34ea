#!/usr/bin/env node
// `node bench/compression.js` (also `npm run bench:compression`): one 30 KiB JavaScript file served by
// aqua-serve with each Accept-Encoding a browser or a script sends, under wrk. Reports req/s and the
// bytes on the wire per response for identity, gzip and brotli, and the brotli/identity req/s ratio
// (issue 17's target: at least 0.8, the compressed result being cached). Only 127.0.0.1 is loaded.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, killAllNow, runBounded, spawnGroup, stopGroup, waitForPort } from './lib/proc.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A 30 KiB script that compresses like real bundled code (identifiers, numbers, repeated shapes). */
export function makeScript(bytes = 30 * 1024) {
  const lines = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `export function handler${i}(event, ctx) { return ctx.dispatch({ type: "evt${i % 97}", id: ${(i * 7919) % 100003}, payload: event.detail }); }\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/** One GET with `encoding` accepted: status, Content-Encoding and the bytes of the body as sent. */
function probe(port, accept) {
  return new Promise((resolvePromise, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/app.js', headers: accept ? { 'accept-encoding': accept } : {}, agent: false },
      (res) => {
        let bytes = 0;
        res.on('data', (c) => (bytes += c.length));
        res.on('end', () => resolvePromise({ status: res.statusCode, coding: res.headers['content-encoding'], bytes }));
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('probe timed out')));
  });
}

async function wrk(port, accept, { conc, durationS }) {
  const args = ['-t2', `-c${conc}`, `-d${durationS}s`, '--timeout', '5s', '-s', join(here, 'lib', 'wrk-report.lua')];
  if (accept) args.push('-H', `Accept-Encoding: ${accept}`);
  args.push(`http://127.0.0.1:${port}/app.js`);
  const r = await runBounded({ cmd: 'wrk', args, timeoutMs: (durationS + 20) * 1000, label: 'wrk' });
  const line = /^WRK_JSON (.*)$/m.exec(r.stdout);
  if (!line) throw new Error(`wrk gave no result: ${r.stderr.trim() || r.stdout.trim()}`);
  const j = JSON.parse(line[1]);
  return { rps: j.requests / (j.duration_us / 1e6), non2xx: j.status, command: `wrk ${args.join(' ')}` };
}

/**
 * Run the compression row: `aquaBin` serving a fresh folder with one 30 KiB script, loaded with wrk
 * for each encoding in turn. Returns one record per encoding and the brotli/identity ratio.
 */
export async function compressionBench({ aquaBin, conc = 50, durationS = 5 }) {
  const dir = mkdtempSync(join(os.tmpdir(), 'aqua-bench-compress-'));
  writeFileSync(join(dir, 'app.js'), makeScript());
  const port = await freePort();
  const server = spawnGroup({
    cmd: process.execPath,
    args: [aquaBin, dir, '--port', String(port), '--host', '127.0.0.1', '--quiet'],
    label: 'aqua-serve',
    logFile: join(dir, '..', `${dir.split('/').pop()}.log`),
  });
  try {
    await waitForPort(server, port);
    const rows = [];
    for (const [name, accept] of [
      ['identity', ''],
      ['gzip', 'gzip'],
      ['br', 'gzip, deflate, br, zstd'],
    ]) {
      const sent = await probe(port, accept);
      if (sent.status !== 200 || (sent.coding ?? 'identity') !== name)
        throw new Error(`expected ${name}, got ${sent.status} ${sent.coding ?? 'identity'}`);
      await wrk(port, accept, { conc, durationS: 1 }); // warm-up: the compressed form gets cached
      const load = await wrk(port, accept, { conc, durationS });
      rows.push({ encoding: name, bodyBytes: sent.bytes, rps: load.rps, non2xx: load.non2xx, command: load.command });
    }
    const identity = rows[0].rps;
    return { file: '30 KiB JavaScript', conc, durationS, rows, brotliRatio: rows[2].rps / identity };
  } finally {
    await stopGroup(server);
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.log`, { force: true });
  }
}

export function compressionTable(result) {
  const lines = [
    `Compression: ${result.file}, wrk -t2 -c${result.conc} -d${result.durationS}s, cached after a 1 s warm-up`,
    '',
    '| encoding | body bytes on the wire | req/s | vs identity |',
    '|---|---:|---:|---:|',
  ];
  const identity = result.rows[0].rps;
  for (const r of result.rows)
    lines.push(`| ${r.encoding} | ${r.bodyBytes} | ${Math.round(r.rps)} | ${(r.rps / identity).toFixed(2)}× |`);
  lines.push('', `brotli / identity req/s: ${result.brotliRatio.toFixed(2)} (target ≥ 0.80)`);
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'aqua-bin': { type: 'string', default: resolve(here, '..', 'bin', 'aqua-serve.js') },
      concurrency: { type: 'string', default: '50' },
      duration: { type: 'string', default: '5' },
    },
  });
  process.on('SIGINT', () => {
    killAllNow();
    process.exit(130);
  });
  const result = await compressionBench({
    aquaBin: values['aqua-bin'],
    conc: Number(values.concurrency),
    durationS: Number(values.duration),
  });
  process.stdout.write(compressionTable(result) + '\n');
}
