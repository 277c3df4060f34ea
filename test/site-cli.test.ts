/**
 * Issue 17 from the command line: the real `aqua-serve` bin with --spa, --no-compress, --header and
 * --config, and the validation of aqua.json at start (exit 2, the bad key named, no stack trace).
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/serve.js';
import { request, spawnCli, tempDir, type SpawnedCli } from './helpers.js';

const NAV = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('aqua-site-cli-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(path.join(dir, 'app.js'), 'console.log("app");\n'.repeat(200));
});
afterAll(() => cleanup());

/** Run the bin to its exit; resolve with its exit code and stderr. */
function runToExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('bin/aqua-serve.js'), ...args], {
      env: { ...process.env, PORT: '' },
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('aqua-serve with site flags', () => {
  let cli: SpawnedCli;
  beforeAll(async () => {
    cli = await spawnCli([
      dir,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--spa',
      '--header',
      'Cross-Origin-Opener-Policy: same-origin',
      '--header',
      'X-Extra:  two words ',
    ]);
  });
  afterAll(() => cli.stop());

  it('answers deep routes with the SPA entry and adds the --header headers', async () => {
    const res = await request(cli.port, '/deep/route', { headers: { accept: NAV } });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toContain('<title>app</title>');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['x-extra']).toBe('two words');
    const asset = await request(cli.port, '/missing.js', { headers: { accept: NAV } });
    expect(asset.status).toBe(404);
    expect(asset.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('compresses by default', async () => {
    const res = await request(cli.port, '/app.js', { headers: { 'accept-encoding': 'br' } });
    expect(res.headers['content-encoding']).toBe('br');
  });
});

describe('aqua-serve --no-compress, --config', () => {
  it('sends identity with --no-compress', async () => {
    const cli = await spawnCli([dir, '--port', '0', '--host', '127.0.0.1', '--no-compress']);
    try {
      const res = await request(cli.port, '/app.js', { headers: { 'accept-encoding': 'br, gzip' } });
      expect(res.headers['content-encoding']).toBeUndefined();
    } finally {
      await cli.stop();
    }
  });

  it('reads --config, and lets a flag given on the command line win over it', async () => {
    const conf = path.join(dir, 'conf');
    await mkdir(conf, { recursive: true });
    const file = path.join(conf, 'site.json');
    await writeFile(
      file,
      JSON.stringify({ cors: true, listing: false, redirects: [{ source: '/x/:id', destination: '/y/:id' }] }),
    );
    const cli = await spawnCli([dir, '--port', '0', '--host', '127.0.0.1', '--config', file, '--no-listing']);
    try {
      const moved = await request(cli.port, '/x/7');
      expect(moved.status).toBe(301);
      expect(moved.headers.location).toBe('/y/7');
      expect(moved.headers['access-control-allow-origin']).toBe('*');
    } finally {
      await cli.stop();
    }
  });

  it('picks up aqua.json in the root, and does not serve it', async () => {
    const site = path.join(dir, 'with-json');
    await mkdir(site, { recursive: true });
    await writeFile(path.join(site, 'about.html'), 'about');
    await writeFile(path.join(site, 'aqua.json'), JSON.stringify({ cleanUrls: true }));
    const cli = await spawnCli([site, '--port', '0', '--host', '127.0.0.1']);
    try {
      expect((await request(cli.port, '/about')).body.toString()).toBe('about');
      expect((await request(cli.port, '/aqua.json')).status).toBe(404);
    } finally {
      await cli.stop();
    }
  });
});

describe('bad site settings stop the start', () => {
  // [what is wrong, aqua.json content (or null for none), extra args, expected stderr]
  const rows: [string, string | null, string[], RegExp][] = [
    [
      'a bad status and an unknown key',
      JSON.stringify({ redirects: [{ source: '/a', destination: '/b', status: 303 }], cleanURLs: true }),
      [],
      /^aqua-serve: .*aqua\.json: redirects\[0\]\.status: must be 301, 302, 307 or 308; \(top level\): unknown key "cleanURLs"\n$/,
    ],
    ['bad JSON', '{ "spa": tru }', [], /^aqua-serve: .*aqua\.json: not valid JSON/],
    ['a missing --config', null, ['--config', 'nowhere.json'], /^aqua-serve: cannot read --config nowhere\.json/],
    ['a malformed --header', null, ['--header', 'no colon here'], /^aqua-serve: --header must be "Name: value"/],
    ['a header with a bad name', null, ['--header', 'Bad Name: x'], /^aqua-serve: --header must be "Name: value"/],
  ];
  it.each(rows)('%s → exit 2', async (_name, json, args, message) => {
    const site = path.join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    await mkdir(site);
    if (json !== null) await writeFile(path.join(site, 'aqua.json'), json);
    const { code, stderr } = await runToExit([site, '--port', '0', ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('--help and parsing', () => {
  it('parses --spa with and without a file', async () => {
    expect((await parseArgs(['--spa', dir], {})).spa).toBe(true);
    expect((await parseArgs(['--spa', '/shell.html', dir], {})).spa).toBe('/shell.html');
    expect((await parseArgs([dir, '--spa', 'app/shell.html'], {})).spa).toBe('/app/shell.html');
    const swallowed = await parseArgs(['--spa', dir], {});
    expect([swallowed.spa, swallowed.root]).toEqual([true, dir]);
    await expect(parseArgs(['--spa', 'x', dir], {})).rejects.toThrow('--spa takes an .html file');
    expect((await parseArgs([dir], {})).spa).toBeUndefined();
  });
});
