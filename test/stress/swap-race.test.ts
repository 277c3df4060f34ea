// The symlink-swap race: a local writer flips a folder of the root between a real folder and a symlink
// to a folder outside the root, as fast as it can, while clients request a file in it. Checking a path
// and then opening it again would serve the file outside the root now and then; the server checks what
// it actually opened, so the outside file is never sent — cold or through the metadata cache.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHash, sha256, startScript, type Child } from './support.js';

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
    server = await startScript({ root });
  });

  afterAll(() => {
    server?.kill();
    rmSync(base, { recursive: true, force: true });
  });

  it(`flipping a folder for ${FLIP_SECONDS} s never gets a file outside the root served`, async () => {
    // a.txt is warm (in the metadata cache) before the flipping starts; b.txt is resolved cold each time it misses.
    expect((await fetchHash(server.port, '/flip/a.txt')).sha256).toBe(sha256(INSIDE));
    const flipper = spawn(process.execPath, ['-e', FLIPPER, root, path.join(base, 'outside'), String(FLIP_SECONDS)]);
    let flips = '';
    flipper.stdout.on('data', (d: Buffer) => (flips += d.toString()));
    const flipperDone = new Promise<void>((resolve) => flipper.once('exit', () => resolve()));
    const outcome = { inside: 0, leaked: 0, refused: 0, other: 0 };
    let running = true;
    void flipperDone.then(() => (running = false));
    const client = async (target: string): Promise<void> => {
      while (running) {
        const r = await fetchHash(server.port, target, {}, 10_000);
        if (r.status === 200 && r.sha256 === sha256(INSIDE)) outcome.inside++;
        else if (r.sha256 === sha256(SECRET)) outcome.leaked++;
        else if (r.status === 404) outcome.refused++;
        else outcome.other++;
      }
    };
    await Promise.all([client('/flip/a.txt'), client('/flip/b.txt'), client('/flip/a.txt'), client('/flip/b.txt')]);
    await flipperDone;
    expect(Number(flips)).toBeGreaterThan(100); // the race really ran
    expect(outcome.inside).toBeGreaterThan(10); // and the file was served when the folder was real
    expect(outcome.leaked).toBe(0);
    expect(outcome.other).toBe(0);
  }, 30_000);
});
