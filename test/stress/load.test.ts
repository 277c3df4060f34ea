import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHash, patternBytes, sha256, startScript, waitFor, type Child } from './support.js';

const BIG = 13 * 1024 * 1024;
const CLIENTS = 200;

describe('load: many concurrent clients', () => {
  let dir: string;
  let server: Child;
  let bigHash: string;
  let idleFds: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-load-'));
    const big = patternBytes(BIG, 13);
    bigHash = sha256(big);
    writeFileSync(path.join(dir, 'big.bin'), big);
    writeFileSync(path.join(dir, 'tiny.txt'), 'hello, aqua!\n');
    writeFileSync(path.join(dir, 'small.bin'), patternBytes(13 * 1024, 7));
    server = await startScript({ root: dir });
    // Warm up once so lazily loaded code is counted in the idle figures.
    await fetchHash(server.port, '/tiny.txt');
    await waitFor(() => false, 200);
    idleFds = server.fds();
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${CLIENTS} clients each download a 13 MiB file: exact bytes, bounded memory`, async () => {
    const rssBefore = server.rssMiB();
    const results = await Promise.all(
      Array.from({ length: CLIENTS }, () => fetchHash(server.port, '/big.bin', {}, 90_000)),
    );
    const bad = results.filter((r) => r.status !== 200 || !r.complete || r.bytes !== BIG || r.sha256 !== bigHash);
    expect(bad.length).toBe(0);
    const peak = server.peakRssMiB();
    console.log(`load: peak RSS ${peak.toFixed(0)} MiB (before ${rssBefore.toFixed(0)} MiB)`);
    // 200 × 13 MiB is 2.6 GiB of body. With backpressure and the shared block cache the server holds
    // about 100 MiB at peak (150–180 MiB with a fresh buffer per chunk); without backpressure it
    // would be gigabytes. 200 MiB is the bound for 1000 clients.
    expect(peak).toBeLessThan(200);
    expect(await waitFor(() => server.fds() <= idleFds, 5_000)).toBe(true);
  }, 100_000);

  it(`${CLIENTS} keep-alive clients on 13 B and 13 KiB files for 3 s: no failed request`, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const smallHash = sha256(patternBytes(13 * 1024, 7));
    const until = Date.now() + 3_000;
    let ok = 0;
    const failures: string[] = [];
    const get = (p: string): Promise<{ status: number; body: Buffer }> =>
      new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: server.port, path: p, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.once('aborted', () => reject(new Error('aborted')));
        });
        req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
        req.once('error', reject);
      });
    const client = async (i: number): Promise<void> => {
      let n = 0;
      while (Date.now() < until) {
        const small = (i + n++) % 2 === 0;
        try {
          const r = await get(small ? '/small.bin' : '/tiny.txt');
          const good =
            r.status === 200 && (small ? sha256(r.body) === smallHash : r.body.toString() === 'hello, aqua!\n');
          if (good) ok++;
          else failures.push(`status ${r.status}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    agent.destroy();
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(CLIENTS);
    expect(await waitFor(() => server.fds() <= idleFds, 5_000)).toBe(true);
  }, 30_000);
});
