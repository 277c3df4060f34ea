import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a consumer gets it: `npm pack` the worktree, install the tarball into an empty
 * project (its dependencies come from the registry), then use it the two ways people do —
 * `npx aqua-serve <dir>` and `import { ... } from 'aqua-serve'` — with nothing from this checkout
 * on the module path.
 */

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('..', import.meta.url));
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/** What `import * as aqua from 'aqua-serve'` gives at run time. Changing this list changes the public API. */
const PUBLIC_VALUES = ['DEFAULT_TIMEOUTS', 'createAquaServer', 'createLogger', 'serveDirectory', 'silentLogger'];

/** The child npm must not inherit `npm test`'s npm_* variables (npm_config_local_prefix etc. point at this repo). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return env;
}

let tmp = '';
let project = '';
let packedFiles: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'aqua-pack-'));
  // global-setup.ts has just built dist/ with tsc, which is what `prepare` does on a real publish;
  // --ignore-scripts keeps this from rebuilding dist/ underneath test files that are running it.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
    cwd: REPO,
    env: cleanEnv(),
    timeout: 60_000,
  });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  packedFiles = info.files.map((f) => f.path);

  project = path.join(tmp, 'consumer');
  await mkdir(path.join(project, 'site', 'sub dir'), { recursive: true });
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  await writeFile(path.join(project, 'site', 'hello.txt'), 'hello from the packed aqua-serve\n');
  await writeFile(path.join(project, 'site', 'sub dir', 'inner.txt'), 'inner\n');
  await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', path.join(tmp, info.filename)], {
    cwd: project,
    env: cleanEnv(),
    timeout: 120_000,
  });
}, 190_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function get(url: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

describe('the packed tarball', () => {
  it('holds the bin, the compiled modules and their .d.ts, and nothing from src/ or test/', () => {
    expect(packedFiles).toContain('package.json');
    expect(packedFiles).toContain('bin/aqua-serve.js');
    for (const file of [
      'index.js',
      'index.d.ts',
      'cli/serve.js',
      'server/index.js',
      'handler/index.js',
      'handler/index.d.ts',
      'handler/options.d.ts',
    ]) {
      expect(packedFiles).toContain(`dist/${file}`);
    }
    expect(packedFiles.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    const pageAssets = ['style.css', 'listing.css', 'viewer.css', 'screens.css', 'favicon.svg'];
    for (const asset of [...pageAssets, 'listing.js', 'listing-return.js', 'viewer.js', 'player.js'])
      expect(packedFiles).toContain(`assets/${asset}`);
    expect(packedFiles).not.toContain('dist/.tsbuildinfo');
  });

  it('declares every bin it ships, and ships every bin it declares', async () => {
    const pkg = JSON.parse(
      await readFile(path.join(project, 'node_modules', 'aqua-serve', 'package.json'), 'utf8'),
    ) as {
      bin: Record<string, string>;
    };
    for (const target of Object.values(pkg.bin)) expect(packedFiles).toContain(target.replace(/^\.\//, ''));
  });
});

describe('npx aqua-serve from the installed package', () => {
  it('serves a folder, prints its URL, and exits 0 on SIGTERM', async () => {
    const bin = path.join(project, 'node_modules', '.bin', 'aqua-serve');
    const child = spawn(bin, ['site', '--port', '0', '--host', '127.0.0.1'], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no URL printed within 10 s; stdout=${stdout} stderr=${stderr}`)),
          10_000,
        );
        child.stdout.setEncoding('utf8').on('data', (s: string) => {
          stdout += s;
          const m = /Local:\s+(http:\/\/\S+)/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('exit', () => reject(new Error(`exited before printing a URL; stderr=${stderr}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

      const file = await get(url + 'hello.txt');
      expect(file.status).toBe(200);
      expect(file.body).toBe('hello from the packed aqua-serve\n');
      const listing = await get(url);
      expect(listing.status).toBe(200);
      expect(listing.body).toContain('href="sub%20dir/"'); // rows link relatively, one plain link each
      // The page's own assets ship in the package (assets/) and are served under /.aqua/.
      const assets = [...listing.body.matchAll(/(?:href|src)="\/(\.aqua\/[^"]+)"/g)].map((m) => m[1]);
      expect(assets.length).toBe(10); // favicon, four stylesheets, five scripts
      for (const asset of assets) expect((await get(url + asset)).status, asset).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    const { code, signal } = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('still running 10 s after SIGTERM')), 10_000),
      ),
    ]).finally(() => child.kill('SIGKILL'));
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });
});

describe("import from 'aqua-serve' in the installed package", () => {
  it('exports exactly the public API of src/index.ts, aqua-serve/echo, and nothing deeper', async () => {
    const script = `
      import * as aqua from 'aqua-serve';
      let deep = 'importable';
      try { await import('aqua-serve/dist/cli/serve.js'); } catch (err) { deep = err.code; }
      const echo = await import('aqua-serve/echo');
      console.log(JSON.stringify({ names: Object.keys(aqua).sort(), deep, echo: Object.keys(echo).sort() }));
    `;
    await writeFile(path.join(project, 'exports.mjs'), script);
    const { stdout } = await run(process.execPath, ['exports.mjs'], { cwd: project, timeout: 15_000 });
    const result = JSON.parse(stdout) as { names: string[]; deep: string; echo: string[] };
    const source = await import('../src/index.js');
    expect(result.names).toEqual(Object.keys(source).sort());
    expect(result.names).toEqual(PUBLIC_VALUES);
    expect(result.deep).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    // The line-echo server is its own entry, not part of the file server's API.
    expect(result.echo).toEqual(['createEchoServer']);
  });

  it('runs serveDirectory on node:http and createAquaServer from an .mjs script', async () => {
    const script = `
      import http from 'node:http';
      import { serveDirectory, createAquaServer } from 'aqua-serve';

      const results = {};
      const plain = http.createServer(serveDirectory('site'));
      await new Promise((resolve) => plain.listen(0, '127.0.0.1', resolve));
      let res = await fetch(\`http://127.0.0.1:\${plain.address().port}/hello.txt\`);
      results.plain = { status: res.status, body: await res.text() };
      await new Promise((resolve) => plain.close(resolve));

      const aqua = createAquaServer({ root: 'site', graceSeconds: 1 });
      const address = await aqua.listen(0, '127.0.0.1');
      res = await fetch(\`http://127.0.0.1:\${address.port}/sub%20dir/inner.txt\`);
      results.aqua = { address: address.address, status: res.status, body: await res.text() };
      await aqua.close();
      console.log(JSON.stringify(results));
    `;
    await writeFile(path.join(project, 'use.mjs'), script);
    const { stdout } = await run(process.execPath, ['use.mjs'], { cwd: project, timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({
      plain: { status: 200, body: 'hello from the packed aqua-serve\n' },
      aqua: { address: '127.0.0.1', status: 200, body: 'inner\n' },
    });
  });

  it('type-checks a TypeScript consumer against the shipped .d.ts (NodeNext, strict)', async () => {
    const consumer = `
      import http from 'node:http';
      import {
        createAquaServer, serveDirectory, DEFAULT_TIMEOUTS,
        type AquaHandler, type AquaServer, type AquaServerOptions, type NextFunction,
        type RequestListener, type ServeOptions, type Timeouts,
      } from 'aqua-serve';

      const options: ServeOptions = { dotfiles: false, index: true, listing: true, followSymlinks: false, cacheSeconds: 60, cors: true, chunkSize: 65536 };
      const handler: AquaHandler = serveDirectory('site', options);
      http.createServer(handler);
      const next: NextFunction = () => undefined;
      handler({} as http.IncomingMessage, {} as http.ServerResponse, next);

      const listener: RequestListener = (_req, res) => res.end('ok');
      const timeouts: Partial<Timeouts> = { headersMs: DEFAULT_TIMEOUTS.headersMs };
      const serverOptions: AquaServerOptions = { handler: listener, port: 0, host: '127.0.0.1', graceSeconds: 1, timeouts };
      const aqua: AquaServer = createAquaServer(serverOptions);
      const port: Promise<number> = aqua.listen().then((address) => address.port);
      const closed: Promise<void> = aqua.close();
      const plain: http.Server = aqua.server;
      void [port, closed, plain, aqua.connections];

      // @ts-expect-error an unknown option is a type error
      serveDirectory('site', { dotfile: true });
      // @ts-expect-error cacheSeconds is a number of seconds
      serveDirectory('site', { cacheSeconds: '60' });
    `;
    await writeFile(path.join(project, 'consumer.ts'), consumer);
    await writeFile(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          // @types/node is the checkout's: the consumer project installs nothing but the tarball.
          typeRoots: [path.join(REPO, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    const checked = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project, timeout: 60_000 }).catch(
      (err: { stdout?: string; stderr?: string }) => ({
        stdout: `${err.stdout ?? ''}${err.stderr ?? ''}`,
        failed: true,
      }),
    );
    expect(checked.stdout).toBe('');
    expect('failed' in checked).toBe(false);
  }, 120_000);
});
