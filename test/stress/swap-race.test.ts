// The symlink-swap race: a local writer flips a folder of the root between a real folder and a symlink
// to a folder outside the root, as fast as it can, while clients request a file in it. Checking a path
// and then opening it again would serve the file outside the root now and then; the server checks what
// it actually opened, so the outside file is never sent — cold or through the metadata cache.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { fetchHash, sha256, startScript, type Child } from './support.js';

/** GET over a fresh connection, the body as text. */
function fetchText(port: number, target: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: target, agent: false, timeout: 10_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.once('error', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .once('error', reject);
  });
}

const INSIDE = Buffer.from('inside the root\n');
const SECRET = Buffer.from('SECRET outside the root\n');
const FLIP_SECONDS = 4;

/** A child process that swaps `root/flip` between the real folder and a symlink out, for `seconds`. */
const FLIPPER = `
const fs = require('node:fs');
const [root, outside, seconds] = process.argv.slice(1);
const flip = root + '/flip', parked = root + '/.parked';
const until = Date.now() + Number(seconds) * 1000;
let flips = 0;
while (Date.now() < until) {
  fs.renameSync(flip, parked);
  fs.symlinkSync(outside, flip);
  fs.unlinkSync(flip);
  fs.renameSync(parked, flip);
  flips++;
}
process.stdout.write(String(flips));
`;

describe('symlink-swap race', () => {
  let base: string;
  let root: string;
  let server: Child;

  beforeAll(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'aqua-swap-'));
    root = path.join(base, 'root');
    mkdirSync(path.join(root, 'flip'), { recursive: true });
    mkdirSync(path.join(base, 'outside'));
    writeFileSync(path.join(root, 'flip', 'a.txt'), INSIDE);
    writeFileSync(path.join(root, 'flip', 'b.txt'), INSIDE);
    writeFileSync(path.join(base, 'outside', 'a.txt'), SECRET);
    writeFileSync(path.join(base, 'outside', 'b.txt'), SECRET);
    writeFileSync(path.join(base, 'outside', 'only-outside.txt'), SECRET);
    server = await startScript({ root });
  });

  afterAll(() => {
    server?.kill();
    rmSync(base, { recursive: true, force: true });
  });

  /** Flip `root/flip` for {@link FLIP_SECONDS} while `clients` run; the number of flips made. */
  async function whileFlipping(clients: ((running: () => boolean) => Promise<void>)[]): Promise<number> {
    const flipper = spawn(process.execPath, ['-e', FLIPPER, root, path.join(base, 'outside'), String(FLIP_SECONDS)]);
    let flips = '';
    flipper.stdout.on('data', (d: Buffer) => (flips += d.toString()));
    let running = true;
    const flipperDone = new Promise<void>((resolve) => flipper.once('exit', () => resolve()));
    void flipperDone.then(() => (running = false));
    await Promise.all(clients.map((client) => client(() => running)));
    await flipperDone;
    return Number(flips);
  }

  it(`flipping a folder for ${FLIP_SECONDS} s never lists a name of the folder outside the root`, async () => {
    const outcome = { inside: 0, leaked: 0, refused: 0, other: 0 };
    const client = (target: string) => async (running: () => boolean) => {
      while (running()) {
        const r = await fetchText(server.port, target);
        if (r.text.includes('only-outside')) outcome.leaked++;
        else if (r.status === 200 && r.text.includes('a.txt')) outcome.inside++;
        else if (r.status === 404) outcome.refused++;
        else outcome.other++;
      }
    };
    const flips = await whileFlipping([client('/flip/'), client('/flip/?format=json'), client('/flip/?sort=size')]);
    expect(flips).toBeGreaterThan(100);
    expect(outcome.inside).toBeGreaterThan(10);
    expect(outcome.leaked).toBe(0);
    expect(outcome.other).toBe(0);
  }, 30_000);

  it(`flipping a folder for ${FLIP_SECONDS} s never gets a file outside the root served`, async () => {
    // a.txt is warm (in the metadata cache) before the flipping starts; b.txt is resolved cold each time it misses.
    expect((await fetchHash(server.port, '/flip/a.txt')).sha256).toBe(sha256(INSIDE));
    const outcome = { inside: 0, leaked: 0, refused: 0, other: 0 };
    const client = (target: string) => async (running: () => boolean) => {
      while (running()) {
        const r = await fetchHash(server.port, target, {}, 10_000);
        if (r.status === 200 && r.sha256 === sha256(INSIDE)) outcome.inside++;
        else if (r.sha256 === sha256(SECRET)) outcome.leaked++;
        else if (r.status === 404) outcome.refused++;
        else outcome.other++;
      }
    };
    const flips = await whileFlipping([client('/flip/a.txt'), client('/flip/b.txt'), client('/flip/a.txt')]);
    expect(flips).toBeGreaterThan(100); // the race really ran
    expect(outcome.inside).toBeGreaterThan(10); // and the file was served when the folder was real
    expect(outcome.leaked).toBe(0);
    expect(outcome.other).toBe(0);
  }, 30_000);

  it(`flipping a folder for ${FLIP_SECONDS} s never puts a name or byte from outside the root in its archive`, async () => {
    const outcome = { whole: 0, leaked: 0, other: 0 };
    const client = (target: string) => async (running: () => boolean) => {
      while (running()) {
        const r = await fetchText(server.port, target);
        if (r.text.includes('only-outside') || r.text.includes('SECRET')) outcome.leaked++;
        else if (r.status === 200 && r.text.includes('inside the root')) outcome.whole++;
        else outcome.other++; // refused (404), or cut short when a member moved away mid-archive
      }
    };
    const flips = await whileFlipping([client('/flip/?download=tar'), client('/flip/?download=tar')]);
    expect(flips).toBeGreaterThan(100);
    expect(outcome.whole).toBeGreaterThan(10);
    expect(outcome.leaked).toBe(0);
  }, 30_000);
});
