// The 13-byte probe of bench/attacks.js, in its own process: what it measures is the server, not the attack's
// clients (2,000 slow readers share the bench's event loop and would delay a probe made there).
import { fork } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** @typedef {{ port: number, tls: boolean }} ProbeTarget */

/**
 * One full GET on a new connection; resolves with status, bytes and the time to the first byte and to the end.
 * @param {ProbeTarget} t @param {string} path @param {number} timeoutMs
 */
export function fetchAll(t, path, timeoutMs) {
  return new Promise((done) => {
    const started = performance.now();
    let first = 0;
    const options = { host: '127.0.0.1', port: t.port, path, agent: false, headers: { connection: 'close' } };
    /** @param {http.IncomingMessage} res */
    const onResponse = (res) => {
      let bytes = 0;
      res.on('data', (c) => {
        if (!first) first = performance.now() - started;
        bytes += c.length;
      });
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, bytes, firstMs: first, ms: performance.now() - started }),
      );
      res.on('error', () => done({ status: 0, bytes, firstMs: first, ms: performance.now() - started }));
    };
    const req = t.tls
      ? https.get({ ...options, rejectUnauthorized: false }, onResponse)
      : http.get(options, onResponse);
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => done({ status: 0, bytes: 0, firstMs: first, ms: performance.now() - started }));
  });
}

/**
 * A GET of `path` on a new connection every 100 ms, from a child process, until `stop()`; resolves once the child
 * has made its first request. `stop()` gives the worst latency and how many got no whole answer within `timeoutMs`.
 * @param {ProbeTarget} t @param {string} path @param {number} bytes the body's length @param {number} timeoutMs
 */
export async function startProbe(t, path, bytes, timeoutMs) {
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify({ t, path, bytes, timeoutMs })]);
  /** @param {string} type @returns {Promise<any>} */
  const message = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (/** @type {{ type: string }} */ m) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`probe exited (${code}) before ${type}`)));
    });
  await message('started');
  return {
    /** @returns {Promise<{ worstMs: number, failed: number, count: number }>} */
    async stop() {
      const done = message('result');
      child.send('stop');
      const { worstMs, failed, count } = await done;
      child.disconnect();
      return { worstMs, failed, count };
    },
  };
}

/** The child: probe until the parent says stop, then report. */
async function probeLoop() {
  const { t, path, bytes, timeoutMs } = JSON.parse(process.argv[2] ?? '{}');
  let running = true;
  process.on('message', () => (running = false));
  let worst = 0;
  let failed = 0;
  let count = 0;
  while (running) {
    const r = await fetchAll(t, path, timeoutMs);
    if (count === 0) process.send?.({ type: 'started' });
    count += 1;
    if (r.status !== 200 || r.bytes !== bytes) failed += 1;
    worst = Math.max(worst, r.ms);
    await sleep(100);
  }
  process.send?.({ type: 'result', worstMs: worst, failed, count });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await probeLoop();
