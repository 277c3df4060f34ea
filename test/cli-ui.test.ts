import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, tempDir } from './helpers.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(repo, 'bin', 'aqua-serve.js');

let fake: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  fake = await tempDir('aqua-fake-opener-');
  // A stand-in xdg-open that records what it was asked to open.
  await writeFile(path.join(fake.dir, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${fake.dir}/opened"\n`);
  await chmod(path.join(fake.dir, 'xdg-open'), 0o755);
});
afterAll(async () => {
  await fake?.cleanup();
});

/** Runs the CLI until `done(stdout)` is true (or 10 s), then SIGTERM; resolves with stdout and the exit code. */
function runUntil(
  args: string[],
  done: (out: string) => boolean,
  env: NodeJS.ProcessEnv = {},
): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, PORT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (done(out)) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
}

describe('--qr and --open', () => {
  it('--qr prints the URL and a QR code of it, then the server runs as usual', async () => {
    const { out, code } = await runUntil(
      [path.join(repo, 'files'), '--port', '0', '--host', '127.0.0.1', '--qr', '--log-level', 'warn'],
      (o) => /▀{20,}\s*$/.test(o),
    );
    expect(code).toBe(0);
    const url = /Scan to open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    expect(url).toBeDefined();
    const qrLines = out.split('\n').filter((l) => /^[█▀▄ ]{20,}$/.test(l));
    expect(qrLines.length).toBeGreaterThan(10);
    expect(new Set(qrLines.map((l) => [...l].length)).size).toBe(1); // a square drawing: every row as wide
  });

  it('--open runs the platform opener with the local URL, and the server keeps running', async () => {
    const { out, code } = await runUntil(
      [path.join(repo, 'files'), '--port', '0', '--host', '127.0.0.1', '--open', '--log-level', 'warn'],
      (o) => o.includes('Local:'),
      { PATH: `${fake.dir}${path.delimiter}${process.env.PATH ?? ''}` },
    );
    expect(code).toBe(0);
    const local = /Local:\s+(\S+)/.exec(out)?.[1];
    let opened = '';
    for (let i = 0; i < 50 && opened === ''; i++) {
      opened = await readFile(path.join(fake.dir, 'opened'), 'utf8').catch(() => '');
      if (opened === '') await sleep(100);
    }
    expect(opened.trim()).toBe(local);
  });

  it('--open without any opener on PATH is not an error', async () => {
    const { code } = await runUntil(
      [path.join(repo, 'files'), '--port', '0', '--host', '127.0.0.1', '--open', '--log-level', 'warn'],
      (o) => o.includes('Local:'),
      {
        PATH: fake.dir + '-missing',
      },
    );
    expect(code).toBe(0);
  });
});
