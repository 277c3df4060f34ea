import express from 'express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAquaServer, serveDirectory, type AquaServer, type NextFunction } from '../src/index.js';

/**
 * aqua-serve as a library: the directory handler inside Express, plain node:http and a connect-style
 * stack, and aqua's server hosting someone else's app. Requests go over real sockets with raw paths.
 */

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'aqua-lib-'));
  await writeFile(path.join(dir, 'a.txt'), ALPHABET);
  await mkdir(path.join(dir, 'sub dir', 'deeper'), { recursive: true });
  await writeFile(path.join(dir, 'sub dir', 'inner.txt'), 'inner\n');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Servers started by a test; closed after it whatever happened. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on its own connection; the path is sent exactly as given. */
function request(
  port: number,
  target: string,
  init: { method?: string; headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: target,
        method: init.method ?? 'GET',
        headers: init.headers,
        agent: init.agent ?? false,
        timeout: 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('latin1'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${init.method ?? 'GET'} ${target} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Every href in a listing page as the path a browser resolves it to from `page`, HTML entities for `&` undone. */
function hrefs(html: string, page: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => {
    const href = m[1].replaceAll('&amp;', '&');
    return href.startsWith('#') ? href : new URL(href, `http://host${page}`).pathname;
  });
}

describe('Express: app.use("/media", serveDirectory(dir))', () => {
  let port = 0;
  beforeAll(async () => {
    const app = express();
    app.use('/media', serveDirectory(dir));
    const nested = express.Router();
    nested.use('/files', serveDirectory(dir));
    app.use('/api/v1', nested);
    app.post('/media/a.txt', (_req, res) => {
      res.status(201).type('text/plain').send('the app handled POST');
    });
    app.use((req, res) => {
      res.status(404).type('text/plain').send(`app 404 for ${req.originalUrl}`);
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    return async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });

  it('serves a file under the prefix', async () => {
    const res = await request(port, '/media/a.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe(ALPHABET);
    const inner = await request(port, '/media/sub%20dir/inner.txt');
    expect([inner.status, inner.body]).toEqual([200, 'inner\n']);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await request(port, '/media/a.txt', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(ALPHABET.length));
    expect(res.body).toBe('');
  });

  // Range support is wired into the file responder by the http branch (issue: HTTP semantics).
  it('answers a Range request with 206 and exactly the asked bytes', async () => {
    const res = await request(port, '/media/a.txt', { headers: { Range: 'bytes=2-5' } });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 2-5/${ALPHABET.length}`);
    expect(res.headers['content-length']).toBe('4');
    expect(res.body).toBe('cdef');
    const suffix = await request(port, '/media/a.txt', { headers: { Range: 'bytes=-3' } });
    expect([suffix.status, suffix.headers['content-range'], suffix.body]).toEqual([
      206,
      `bytes 23-25/${ALPHABET.length}`,
      'xyz',
    ]);
  });

  it('lists the mount root with links that carry the prefix', async () => {
    const res = await request(port, '/media/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const links = hrefs(res.body, '/media/');
    expect(links).toContain('/media/a.txt');
    expect(links).toContain('/media/sub%20dir/');
    expect(links.filter((l) => l.startsWith('/') && !l.startsWith('/media/'))).toEqual([]);
  });

  it('lists a subfolder with prefixed links and breadcrumbs', async () => {
    const res = await request(port, '/media/sub%20dir/');
    expect(res.status).toBe(200);
    const links = hrefs(res.body, '/media/sub%20dir/');
    expect(links).toContain('/media/sub%20dir/inner.txt');
    expect(links).toContain('/media/sub%20dir/deeper/');
    expect(links).toContain('/media/'); // breadcrumb to the mount root, not to the app's "/"
    expect(links.filter((l) => l.startsWith('/') && !l.startsWith('/media/'))).toEqual([]);
  });

  it('redirects a folder without its trailing slash to a Location under the prefix, query kept', async () => {
    const res = await request(port, '/media/sub%20dir');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/media/sub%20dir/');
    const withQuery = await request(port, '/media/sub%20dir/deeper?sort=size');
    expect(withQuery.status).toBe(301);
    expect(withQuery.headers.location).toBe('/media/sub%20dir/deeper/?sort=size');
  });

  it('carries the whole prefix of nested routers (req.baseUrl)', async () => {
    const listing = await request(port, '/api/v1/files/sub%20dir/');
    expect(listing.status).toBe(200);
    expect(hrefs(listing.body, '/api/v1/files/sub%20dir/')).toContain('/api/v1/files/sub%20dir/inner.txt');
    const redirect = await request(port, '/api/v1/files/sub%20dir');
    expect([redirect.status, redirect.headers.location]).toEqual([301, '/api/v1/files/sub%20dir/']);
    const file = await request(port, '/api/v1/files/a.txt');
    expect([file.status, file.body]).toEqual([200, ALPHABET]);
  });

  it("passes a missing file to the app's own 404 handler", async () => {
    const res = await request(port, '/media/no-such-file.txt');
    expect(res.status).toBe(404);
    expect(res.body).toBe('app 404 for /media/no-such-file.txt');
    const missingFolder = await request(port, '/media/no-such-folder/x.txt');
    expect(missingFolder.body).toBe('app 404 for /media/no-such-folder/x.txt');
  });

  it('passes other methods on to the app', async () => {
    const res = await request(port, '/media/a.txt', { method: 'POST' });
    expect([res.status, res.body]).toEqual([201, 'the app handled POST']);
    const del = await request(port, '/media/a.txt', { method: 'DELETE' });
    expect([del.status, del.body]).toEqual([404, 'app 404 for /media/a.txt']);
  });

  it('still answers a malformed path itself with 400, not with the app 404', async () => {
    const res = await request(port, '/media/%E0%A4%A.txt');
    expect(res.status).toBe(400);
    expect(res.body).not.toContain(dir);
  });
});

describe('plain node:http: http.createServer(serveDirectory(dir))', () => {
  let port = 0;
  beforeAll(async () => {
    const server = http.createServer(serveDirectory(dir));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    return async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });

  it('serves files and lists folders from "/"', async () => {
    const file = await request(port, '/a.txt');
    expect([file.status, file.body]).toEqual([200, ALPHABET]);
    const listing = await request(port, '/');
    expect(listing.status).toBe(200);
    expect(hrefs(listing.body, '/')).toContain('/sub%20dir/');
    const redirect = await request(port, '/sub%20dir');
    expect([redirect.status, redirect.headers.location]).toEqual([301, '/sub%20dir/']);
  });

  it('answers a missing file itself with a 404 page that shows no path', async () => {
    const res = await request(port, '/no-such-file.txt');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('404');
    expect(res.body).not.toContain('no-such-file');
    expect(res.body).not.toContain(dir);
  });

  it('answers POST with 405 and an Allow header', async () => {
    const res = await request(port, '/a.txt', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('answers OPTIONS with 204 and an Allow header', async () => {
    const res = await request(port, '/a.txt', { method: 'OPTIONS' });
    expect([res.status, res.headers.allow, res.body]).toEqual([204, 'GET, HEAD, OPTIONS', '']);
  });
});

/**
 * The mount rules of connect 3 (`proto.handle`), in a few lines: the route matches case-insensitively
 * at a `/`, `.` or end boundary; the route is cut from `req.url` (a `/` added if nothing is left);
 * `req.originalUrl` keeps the full URL and there is no `req.baseUrl`; `next()` restores `req.url`.
 * Written here instead of depending on `connect`: the handler relies only on that contract.
 */
type Middleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;
type ConnectApp = Middleware & { use(route: string, fn: Middleware): ConnectApp };

function connectLike(): ConnectApp {
  const stack: { route: string; fn: Middleware }[] = [];
  const app = ((req, res, out) => {
    const mounted = req as IncomingMessage & { originalUrl?: string };
    mounted.originalUrl ??= req.url;
    let index = 0;
    let removed = '';
    let slashAdded = false;
    const next: NextFunction = (err) => {
      if (slashAdded) {
        req.url = (req.url ?? '').slice(1);
        slashAdded = false;
      }
      if (removed) {
        req.url = removed + (req.url ?? '');
        removed = '';
      }
      const layer = stack[index++];
      if (!layer) return out(err);
      const pathname = (req.url ?? '/').split('?')[0];
      const route = layer.route;
      if (pathname.toLowerCase().slice(0, route.length) !== route.toLowerCase()) return next(err);
      const boundary = pathname.length > route.length ? pathname[route.length] : '';
      if (boundary && boundary !== '/' && boundary !== '.') return next(err);
      if (route !== '' && route !== '/') {
        removed = route;
        req.url = (req.url ?? '').slice(route.length);
        if (!req.url.startsWith('/')) {
          req.url = '/' + req.url;
          slashAdded = true;
        }
      }
      if (err) return next(err);
      layer.fn(req, res, next);
    };
    next();
  }) as ConnectApp;
  app.use = (route, fn) => {
    stack.push({ route: route.replace(/\/$/, ''), fn });
    return app;
  };
  return app;
}

describe('connect-style mounting (req.originalUrl, no req.baseUrl)', () => {
  let port = 0;
  const seen: { url: string | undefined; originalUrl: string | undefined }[] = [];
  beforeAll(async () => {
    const inner = connectLike();
    inner.use('/media', (req, res, next) => {
      seen.push({ url: req.url, originalUrl: (req as IncomingMessage & { originalUrl?: string }).originalUrl });
      serveDirectory(dir)(req, res, next);
    });
    const outer = connectLike();
    outer.use('/media', serveDirectory(dir));
    outer.use('/outer', inner);
    const server = http.createServer((req, res) =>
      outer(req, res, () => {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`final 404 for ${req.url}`);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    return async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });

  it('serves a file under the mount', async () => {
    const res = await request(port, '/media/sub%20dir/inner.txt');
    expect([res.status, res.body]).toEqual([200, 'inner\n']);
  });

  it('redirects the bare mount path to its slash form, query kept', async () => {
    for (const [target, location] of [
      ['/media', '/media/'],
      ['/media?view=1', '/media/?view=1'],
    ]) {
      const res = await request(port, target);
      expect([res.status, res.headers.location], target).toEqual([301, location]);
    }
  });

  it('lists with links under the mount', async () => {
    for (const target of ['/media/', '/media/?view=1']) {
      const res = await request(port, target);
      expect(res.status, target).toBe(200);
      const links = hrefs(res.body, target);
      expect(links, target).toContain('/media/sub%20dir/');
      expect(
        links.filter((l) => l.startsWith('/') && !l.startsWith('/media/')),
        target,
      ).toEqual([]);
    }
  });

  it('redirects a folder without its slash to a Location under the mount', async () => {
    const res = await request(port, '/media/sub%20dir?x=1');
    expect([res.status, res.headers.location]).toEqual([301, '/media/sub%20dir/?x=1']);
  });

  it('takes the prefix from req.originalUrl through nested mounts', async () => {
    const res = await request(port, '/outer/media/sub%20dir');
    expect([res.status, res.headers.location]).toEqual([301, '/outer/media/sub%20dir/']);
    expect(seen.at(-1)).toEqual({ url: '/sub%20dir', originalUrl: '/outer/media/sub%20dir' });
    const listing = await request(port, '/outer/media/sub%20dir/');
    expect(hrefs(listing.body, '/outer/media/sub%20dir/')).toContain('/outer/media/sub%20dir/inner.txt');
  });

  it('passes a missing file on to the rest of the stack with req.url restored', async () => {
    const res = await request(port, '/media/missing.txt');
    expect([res.status, res.body]).toEqual([404, 'final 404 for /media/missing.txt']);
  });
});

describe('createAquaServer({ handler: expressApp })', () => {
  /** An Express app with the handler under /media and a /slow route the test finishes by hand. */
  function appWithSlowRoute(events: string[] = []): {
    app: express.Express;
    started: Promise<void>;
    finish: () => void;
  } {
    let finish: () => void = () => undefined;
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const release = new Promise<void>((resolve) => (finish = resolve));
    const app = express();
    app.use('/media', serveDirectory(dir));
    app.get('/slow', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '10' });
      res.write('slow-');
      res.once('finish', () => events.push('server sent the whole response'));
      markStarted();
      void release.then(() => res.end('done!'));
    });
    return { app, started, finish };
  }

  function track(aqua: AquaServer): AquaServer {
    cleanups.push(async () => {
      aqua.server.closeAllConnections();
      await aqua.close();
    });
    return aqua;
  }

  it('listen() resolves to the bound address', async () => {
    const aqua = track(createAquaServer({ handler: express() }));
    const address = await aqua.listen(0, '127.0.0.1');
    expect(address).toEqual(aqua.server.address());
    expect(address.address).toBe('127.0.0.1');
    expect(address.family).toBe('IPv4');
    expect(address.port).toBeGreaterThan(0);
  });

  it('listen() without arguments uses the port and host of the options', async () => {
    const aqua = track(createAquaServer({ handler: express(), port: 0, host: '127.0.0.1' }));
    const address = await aqua.listen();
    expect(address.address).toBe('127.0.0.1');
  });

  it('listen() rejects when the port is taken', async () => {
    const first = track(createAquaServer({ handler: express() }));
    const { port } = await first.listen(0, '127.0.0.1');
    const second = track(createAquaServer({ handler: express() }));
    await expect(second.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('needs exactly one of root or handler', () => {
    expect(() => createAquaServer({})).toThrow(TypeError);
    expect(() => createAquaServer({ root: dir, handler: express() })).toThrow(TypeError);
  });

  it('runs the app, with the directory handler mounted inside it', async () => {
    const { app } = appWithSlowRoute();
    const aqua = track(createAquaServer({ handler: app }));
    const { port } = await aqua.listen(0, '127.0.0.1');
    const file = await request(port, '/media/a.txt');
    expect([file.status, file.body]).toEqual([200, ALPHABET]);
    const redirect = await request(port, '/media/sub%20dir');
    expect([redirect.status, redirect.headers.location]).toEqual([301, '/media/sub%20dir/']);
    const missing = await request(port, '/media/nothing');
    expect(missing.status).toBe(404); // Express's own final handler
  });

  it('close() lets an in-flight request finish, refuses new connections, then resolves', async () => {
    const events: string[] = [];
    const { app, started, finish } = appWithSlowRoute(events);
    const aqua = track(createAquaServer({ handler: app, graceSeconds: 20 }));
    const { port } = await aqua.listen(0, '127.0.0.1');
    const agent = new http.Agent({ keepAlive: true }); // the connection would stay open after the response
    cleanups.push(async () => agent.destroy());

    const slow = request(port, '/slow', { agent });
    await started;
    expect(aqua.connections).toBe(1);

    const closed = aqua.close().then(() => events.push('close resolved'));
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toEqual([]); // close() waits while the handler still holds the response
    finish();
    const reply = await slow;
    await closed;
    expect(events).toEqual(['server sent the whole response', 'close resolved']);
    expect([reply.status, reply.body]).toEqual([200, 'slow-done!']);
    expect(aqua.connections).toBe(0);
    expect(aqua.server.listening).toBe(false);
  });

  it('close() cuts a response that outlasts the grace period, and resolves soon after', async () => {
    const { app, started } = appWithSlowRoute(); // never finished
    const aqua = track(createAquaServer({ handler: app, graceSeconds: 0.5 }));
    const { port } = await aqua.listen(0, '127.0.0.1');
    const slow = request(port, '/slow').then(
      () => 'completed',
      (err: NodeJS.ErrnoException) => err.code ?? err.message,
    );
    await started;
    const t0 = performance.now();
    await aqua.close();
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(5_000);
    expect(await slow).toMatch(/ECONNRESET|aborted/);
    expect(aqua.connections).toBe(0);
  });
});
