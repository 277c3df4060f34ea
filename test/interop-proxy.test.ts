/**
 * aqua-serve with its defaults behind real caches and proxies (issue 13): nginx `proxy_cache` (stock
 * settings and the README's snippets, `slice` included), Varnish (stock VCL and the README's VCL) and
 * Caddy, each started here on a free loopback port with its own config and work folder. The README's
 * snippets are read from the README itself, so what it shows is what runs. Each test asserts bytes and
 * what reached aqua-serve (counted on the origin), not just status codes.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, sleep, spawnCli, start, tempDir, type Running, type SpawnedCli } from './helpers.js';
import { observedOrigin, settled, type Seen } from './support/origin.js';
import {
  findBinary,
  freePort,
  seekWithFfmpeg,
  snippet,
  startCaddy,
  startNginx,
  startVarnish,
} from './support/proxies.js';
import { stockNginx, titled, type Peer } from './support/proxies.js';

const SIZE = 3 * 1024 * 1024 + 123;
const DATA = randomBytes(SIZE);
const FFMPEG = findBinary('ffmpeg');
/** Child processes run asynchronously: the origin under test lives in this process and must keep answering. */
const run = promisify(execFile);
const AUTH = 'Basic ' + Buffer.from('viewer:s3cret').toString('base64');

let dir: string;
let cleanup: () => Promise<void>;
let origin: Running;
let seen: Seen[] = [];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('aqua-proxy-'));
  await chmod(dir, 0o755); // nginx's workers run as nobody when the test runs as root
  await mkdir(path.join(dir, 'www', 'sub'), { recursive: true });
  await writeFile(path.join(dir, 'www', 'data.bin'), DATA);
  await writeFile(path.join(dir, 'www', 'sub', 'note.txt'), 'a note\n');
  if (FFMPEG !== null) {
    // 60 s of video with its moov atom at the end: a player must seek with Range to find it.
    await run(FFMPEG, [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=60:size=160x120:rate=10'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', path.join(dir, 'www', 'clip.mp4')],
    ]);
  }
  origin = await observedOrigin(path.join(dir, 'www'), (s) => seen.push(s));
});

afterAll(async () => {
  await origin?.close();
  await cleanup?.();
});

/** What aqua-serve answered for `url` while `action` ran, and until no more requests came for `quietMs`. */
async function watch(url: string, action: () => Promise<void>, quietMs = 100): Promise<Seen[]> {
  seen = [];
  await action();
  await settled(() => seen, quietMs);
  return seen.filter((s) => s.url === url);
}

type Revalidation = 'conditional' | 'in the background' | 'passed through';

interface Front {
  readonly name: string;
  readonly binary: string;
  /** How a stale copy reaches aqua-serve again: a conditional request, or the client's own. */
  readonly revalidation: Revalidation | null;
  /** It asks aqua-serve for 1 MiB ranges (nginx slice): aqua answers 206 even to requests without Range. */
  readonly slices?: boolean;
  start(folder: string, ports: { port: number; origin: number }): Promise<Peer>;
}

const FRONTS: Front[] = [
  {
    name: 'nginx proxy_cache, stock settings',
    binary: 'nginx',
    revalidation: null, // stock nginx downloads a stale copy again (proxy_cache_revalidate is off)
    start: async (folder, ports) => startNginx(folder, stockNginx(ports, path.join(folder, 'cache')), ports.port),
  },
  {
    name: "nginx proxy_cache, the README's snippet",
    binary: 'nginx',
    revalidation: 'conditional',
    start: async (folder, ports) =>
      startNginx(
        folder,
        await snippet('nginx: aqua-serve behind proxy_cache', ports, path.join(folder, 'cache')),
        ports.port,
      ),
  },
  {
    name: "nginx slice, the README's snippet",
    binary: 'nginx',
    revalidation: 'conditional',
    slices: true,
    start: async (folder, ports) =>
      startNginx(
        folder,
        await snippet('nginx: aqua-serve behind proxy_cache with slice', ports, path.join(folder, 'cache')),
        ports.port,
      ),
  },
  {
    name: 'Varnish, stock VCL',
    binary: 'varnishd',
    revalidation: 'in the background',
    start: (folder, ports) => startVarnish(folder, ports.port, ports.origin),
  },
  {
    name: "Varnish, the README's always-revalidate VCL",
    binary: 'varnishd',
    revalidation: 'conditional',
    start: async (folder, ports) =>
      startVarnish(folder, ports.port, ports.origin, await snippet('Varnish: always revalidate', ports)),
  },
  {
    name: "Caddy reverse_proxy, the README's snippet",
    binary: 'caddy',
    revalidation: 'passed through',
    start: async (folder, ports) => startCaddy(folder, await snippet('Caddy: TLS front', ports), ports.port),
  },
];

/** RFC 9110 §14.1.2 ranges, one row each: the header, the first and the last byte it selects. */
const RANGES: [string, number, number][] = [
  ['bytes=0-0', 0, 0],
  ['bytes=100-199', 100, 199],
  ['bytes=1048570-1048585', 1048570, 1048585], // across a 1 MiB slice boundary
  ['bytes=-500', SIZE - 500, SIZE - 1],
  ['bytes=3000000-', 3000000, SIZE - 1],
];

for (const front of FRONTS) {
  const { title, missing } = titled(`${front.name} in front of aqua-serve with its defaults`, front.binary);
  describe.skipIf(missing)(title, () => frontTests(front));
}

function frontTests(front: Front): void {
  let peer: Peer;
  beforeAll(async () => {
    const folder = path.join(dir, front.name.replace(/[^a-z]+/gi, '-'));
    await mkdir(folder, { recursive: true });
    peer = await front.start(folder, { port: await freePort(), origin: origin.port });
  });
  afterAll(async () => peer?.stop());

  it.each(RANGES)('Range %s → 206 with exactly those bytes, twice', async (range, first, last) => {
    for (let round = 0; round < 2; round++) {
      const reply = await request(peer.port, '/data.bin', { headers: { range } });
      expect(reply.status).toBe(206);
      expect(reply.headers['content-range']).toBe(`bytes ${first}-${last}/${SIZE}`);
      expect(reply.body.equals(DATA.subarray(first, last + 1))).toBe(true);
    }
  });

  it.skipIf(FFMPEG === null)('ffmpeg -ss 50 seeks in a clip whose moov is at its end', async () => {
    expect(await seekWithFfmpeg(FFMPEG as string, peer.port)).toBeCloseTo(50, 0);
  });

  it("a client's If-None-Match gets 304 with the file's ETag", async () => {
    const full = await request(peer.port, '/sub/note.txt');
    expect(full.status).toBe(200);
    const etag = String(full.headers.etag);
    const again = await request(peer.port, '/sub/note.txt', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(etag);
    expect(again.body.length).toBe(0);
  });

  it('listings reach aqua-serve on every request; HTML and JSON are kept apart', async () => {
    const added = `new-${FRONTS.indexOf(front)}.txt`;
    const reached = await watch('/', async () => {
      const json = await request(peer.port, '/', { headers: { accept: 'application/json' } });
      expect(json.headers['content-type']).toMatch(/^application\/json/);
      const html = await request(peer.port, '/', { headers: { accept: 'text/html' } });
      expect(html.headers['content-type']).toMatch(/^text\/html/);
      await writeFile(path.join(dir, 'www', added), 'new\n');
      const after = await request(peer.port, '/', { headers: { accept: 'application/json' } });
      expect(after.body.toString()).toContain(added);
    });
    const status = front.slices === true ? 206 : 200;
    expect(reached.map((s) => s.status)).toEqual([status, status, status]);
  });

  const revalidation = front.revalidation;
  if (revalidation === null) return; // stock nginx downloads a stale copy again: nothing to revalidate
  it(`a stale copy reaches aqua-serve as a conditional request, answered 304 (${revalidation})`, async () => {
    const url = `/reval-${front.binary}-${FRONTS.indexOf(front)}.txt`;
    await writeFile(path.join(dir, 'www', url), 'revalidate me\n');
    const first = await request(peer.port, url);
    expect(first.status).toBe(200);
    await sleep(2500); // past s-maxage=1 (nginx counts whole seconds: up to 2 s)
    const headers: Record<string, string> =
      revalidation === 'passed through' ? { 'if-none-match': String(first.headers.etag) } : {};
    const reached = await watch(
      url,
      async () => {
        const reply = await request(peer.port, url, { headers });
        expect(reply.status).toBe(revalidation === 'passed through' ? 304 : 200);
        if (reply.status === 200) expect(reply.body.toString()).toBe('revalidate me\n');
      },
      revalidation === 'in the background' ? 1000 : 100,
    );
    expect(reached).toEqual([{ url, status: 304, conditional: true }]);
  });
}

const authTitle = titled('aqua-serve --auth behind shared caches (nginx, Varnish)', 'nginx', 'varnishd');
describe.skipIf(authTitle.missing)(authTitle.title, () => {
  let authSeen: Seen[] = [];
  let authOrigin: Running;
  const peers: Peer[] = [];
  beforeAll(async () => {
    authOrigin = await observedOrigin(path.join(dir, 'www'), (s) => authSeen.push(s), 'viewer:s3cret');
    const ports = { origin: authOrigin.port };
    const folder = path.join(dir, 'auth');
    await mkdir(path.join(folder, 'varnish'), { recursive: true });
    const [nginxPort, plainPort, varnishPort] = [await freePort(), await freePort(), await freePort()];
    const plain = await snippet('nginx: aqua-serve --auth, proxied without a cache', { ...ports, port: plainPort });
    const block = stockNginx({ ...ports, port: nginxPort }, path.join(folder, 'cache')) + '\n' + plain;
    peers.push(await startNginx(folder, block, nginxPort));
    peers.push(await startVarnish(path.join(folder, 'varnish'), varnishPort, authOrigin.port));
    peers.push({ port: plainPort, stop: async () => undefined });
  });
  afterAll(async () => {
    for (const peer of peers) await peer.stop();
    await authOrigin?.close();
  });

  it.each([
    { cache: 'nginx stock proxy_cache', index: 0, url: '/data.bin' },
    { cache: 'nginx stock proxy_cache', index: 0, url: '/' },
    { cache: 'Varnish stock VCL', index: 1, url: '/data.bin' },
    { cache: 'Varnish stock VCL', index: 1, url: '/' },
  ])('$cache never answers a client without credentials from a copy of $url', async ({ index, url }) => {
    const port = peers[index]?.port ?? 0;
    authSeen = [];
    const allowed = await request(port, url, { headers: { authorization: AUTH } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['cache-control']).toMatch(/^private\b/);
    const stranger = await request(port, url);
    expect(stranger.status).toBe(401);
    expect(stranger.body.includes(DATA.subarray(0, 64))).toBe(false);
    const again = await request(port, url, { headers: { authorization: AUTH } });
    expect(again.status).toBe(200);
    // Every one of the three reached aqua-serve: nothing was stored.
    await settled(() => authSeen, 100);
    expect(authSeen.map((s) => `${s.url} ${s.status}`)).toEqual([`${url} 200`, `${url} 401`, `${url} 200`]);
  });

  it.each(RANGES)(
    "the README's uncached nginx proxy: Range %s → 206 with exactly those bytes",
    async (range, first, last) => {
      const reply = await request(peers[2]?.port ?? 0, '/data.bin', { headers: { range, authorization: AUTH } });
      expect(reply.status).toBe(206);
      expect(reply.headers['content-range']).toBe(`bytes ${first}-${last}/${SIZE}`);
      expect(reply.body.equals(DATA.subarray(first, last + 1))).toBe(true);
    },
  );

  it("the README's uncached nginx proxy passes If-None-Match to aqua-serve, which answers 304", async () => {
    const port = peers[2]?.port ?? 0;
    const full = await request(port, '/sub/note.txt', { headers: { authorization: AUTH } });
    authSeen = [];
    const again = await request(port, '/sub/note.txt', {
      headers: { authorization: AUTH, 'if-none-match': String(full.headers.etag) },
    });
    expect(again.status).toBe(304);
    await settled(() => authSeen, 100);
    expect(authSeen).toEqual([{ url: '/sub/note.txt', status: 304, conditional: true }]);
  });
});

const rsyncTitle = titled('validators across two instances serving rsync -a copies', 'rsync');
describe.skipIf(rsyncTitle.missing)(rsyncTitle.title, () => {
  let copy: Running;
  beforeAll(async () => {
    await run(findBinary('rsync') as string, ['-a', path.join(dir, 'www') + '/', path.join(dir, 'copy') + '/']);
    copy = await start({ root: path.join(dir, 'copy') });
  });
  afterAll(async () => copy?.close());

  it.each(['/data.bin', '/sub/note.txt', '/clip.mp4'])(
    '%s: same ETag and Last-Modified, cold and warm',
    async (url) => {
      for (let round = 0; round < 3; round++) {
        const [a, b] = [
          await request(origin.port, url, { method: 'HEAD' }),
          await request(copy.port, url, { method: 'HEAD' }),
        ];
        expect(a.status).toBe(200);
        expect(b.headers.etag).toBe(a.headers.etag);
        expect(b.headers['last-modified']).toBe(a.headers['last-modified']);
        const revalidated = await request(copy.port, url, { headers: { 'if-none-match': String(a.headers.etag) } });
        expect(revalidated.status).toBe(304);
      }
    },
  );
});

const cliTitle = titled('the real CLI with no flags behind nginx stock proxy_cache', 'nginx');
describe.skipIf(cliTitle.missing)(cliTitle.title, () => {
  let cli: SpawnedCli;
  let peer: Peer;
  beforeAll(async () => {
    cli = await spawnCli([path.join(dir, 'www'), '--port', '0', '--host', '127.0.0.1']);
    const folder = path.join(dir, 'cli');
    await mkdir(folder, { recursive: true });
    const port = await freePort();
    peer = await startNginx(folder, stockNginx({ port, origin: cli.port }, path.join(folder, 'cache')), port);
  });
  afterAll(async () => {
    await peer?.stop();
    await cli?.stop();
  });

  it.each(RANGES)('Range %s → 206 with exactly those bytes', async (range, first, last) => {
    const reply = await request(peer.port, '/data.bin', { headers: { range } });
    expect(reply.status).toBe(206);
    expect(reply.body.equals(DATA.subarray(first, last + 1))).toBe(true);
  });

  it.skipIf(FFMPEG === null)('ffmpeg -ss 50 seeks', async () => {
    expect(await seekWithFfmpeg(FFMPEG as string, peer.port)).toBeCloseTo(50, 0);
  });
});
