import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, parseCredentials } from '../../src/server/auth.js';
import { createAquaServer, type AquaServer } from '../../src/server/index.js';
import { rawExchange, startCli } from './support.js';

const BIN = fileURLToPath(new URL('../../bin/aqua-serve.js', import.meta.url));
const basic = (userPass: string): string => 'Basic ' + Buffer.from(userPass, 'utf8').toString('base64');

describe('basicAuth', () => {
  const auth = basicAuth('ada:se:cr€t');
  it.each([
    ['right credentials', basic('ada:se:cr€t'), true],
    ['scheme is case-insensitive', 'basic ' + Buffer.from('ada:se:cr€t').toString('base64'), true],
    ['wrong password', basic('ada:secret'), false],
    ['wrong user', basic('bob:se:cr€t'), false],
    ['prefix of the password', basic('ada:se:cr'), false],
    ['longer than the password', basic('ada:se:cr€tx'), false],
    ['empty', basic(''), false],
    ['another scheme', 'Bearer ' + Buffer.from('ada:se:cr€t').toString('base64'), false],
    ['not base64', 'Basic ***', false],
    ['no credentials', 'Basic', false],
    ['missing header', undefined, false],
    ['huge header', basic('ada:' + 'x'.repeat(10_000)), false],
  ])('%s → %s', (_name, header, expected) => {
    expect(auth.allows(header)).toBe(expected);
  });

  it('rejects credentials without a user or a password', () => {
    for (const bad of ['', 'ada', 'ada:', ':secret', ':']) expect(() => parseCredentials(bad)).toThrow(RangeError);
    expect(parseCredentials('ada:a:b')).toEqual({ user: 'ada', password: 'a:b' });
  });
});

describe('--auth and --cors on a server', () => {
  let dir: string;
  let aqua: AquaServer;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-access-'));
    writeFileSync(path.join(dir, 'tiny.txt'), 'hello, aqua!\n');
    aqua = createAquaServer({ root: dir, host: '127.0.0.1', auth: 'ada:secret', cors: true });
    ({ port } = await aqua.listen());
  });

  afterAll(async () => {
    await aqua.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (p: string, headers: string): Promise<{ text: string }> =>
    rawExchange(port, `GET ${p} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);

  it('401 with the challenge for files, listings, missing paths, HEAD and other methods', async () => {
    for (const req of [
      'GET /tiny.txt',
      'GET /',
      'GET /nope',
      'HEAD /tiny.txt',
      'POST /tiny.txt',
      'OPTIONS /tiny.txt',
    ]) {
      const { text } = await rawExchange(port, `${req} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(text).toMatch(/^HTTP\/1\.1 401 /);
      expect(text).toMatch(/\r\nWWW-Authenticate: Basic realm="aqua-serve", charset="UTF-8"\r\n/i);
      expect(text).not.toContain('hello, aqua');
    }
  });

  it('serves with the right credentials, CORS header included', async () => {
    const { text } = await get('/tiny.txt', `Authorization: ${basic('ada:secret')}\r\nOrigin: https://example.com\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toMatch(/\r\nAccess-Control-Allow-Origin: \*\r\n/i);
    expect(text.endsWith('hello, aqua!\n')).toBe(true);
  });

  it('answers a CORS preflight without credentials (browsers send none), and only a preflight', async () => {
    const { text } = await rawExchange(
      port,
      'OPTIONS /tiny.txt HTTP/1.1\r\nHost: x\r\nOrigin: https://example.com\r\nAccess-Control-Request-Method: GET\r\n' +
        'Access-Control-Request-Headers: range, authorization\r\nConnection: close\r\n\r\n',
    );
    expect(text).toMatch(/^HTTP\/1\.1 204 /);
    expect(text).toMatch(/\r\nAccess-Control-Allow-Origin: \*\r\n/i);
    expect(text).toMatch(/\r\nAccess-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n/i);
    expect(text).toMatch(/\r\nAccess-Control-Allow-Headers: range, authorization\r\n/i);
    expect(text).toMatch(/\r\nAccess-Control-Max-Age: \d+\r\n/i);
    const notPreflight = await rawExchange(
      port,
      'OPTIONS /tiny.txt HTTP/1.1\r\nHost: x\r\nOrigin: https://example.com\r\nConnection: close\r\n\r\n',
    );
    expect(notPreflight.text).toMatch(/^HTTP\/1\.1 401 /);
  });
});

describe('--auth with cors from the config file', () => {
  let dir: string;
  let aqua: AquaServer;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-access-config-'));
    writeFileSync(path.join(dir, 'tiny.txt'), 'hello, aqua!\n');
    writeFileSync(path.join(dir, 'aqua.json'), JSON.stringify({ cors: true }));
    aqua = createAquaServer({ root: dir, host: '127.0.0.1', auth: 'ada:secret', config: true });
    ({ port } = await aqua.listen());
  });

  afterAll(async () => {
    await aqua.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets the preflight through, as with --cors, while everything else still needs credentials', async () => {
    const preflight = await rawExchange(
      port,
      'OPTIONS /tiny.txt HTTP/1.1\r\nHost: x\r\nOrigin: https://example.com\r\nAccess-Control-Request-Method: GET\r\n' +
        'Connection: close\r\n\r\n',
    );
    expect(preflight.text).toMatch(/^HTTP\/1\.1 204 /);
    expect(preflight.text).toMatch(/\r\nAccess-Control-Allow-Origin: \*\r\n/i);
    const get = await rawExchange(port, 'GET /tiny.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(get.text).toMatch(/^HTTP\/1\.1 401 /);
  });
});

describe('CLI flags of access control', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-accessflags-'));
    writeFileSync(path.join(dir, 'not-a-cert.pem'), 'hello\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, [BIN, '-H', '127.0.0.1', '-p', '0', ...args, dir], {
      encoding: 'utf8',
      timeout: 10_000,
      env: { ...process.env, ...env },
    });
    return { status: r.status, stderr: r.stderr };
  };

  it.each([
    ['--auth without a colon', ['--auth', 'ada']],
    ['--auth with an empty password', ['--auth', 'ada:']],
    ['--tls-cert without --tls-key', ['--tls-cert', 'x.pem']],
    ['--tls-key without --tls-cert', ['--tls-key', 'x.pem']],
    ['missing certificate file', ['--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem']],
  ])('%s → one line on stderr, exit 2', (_name, args) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^aqua-serve: /);
  });

  it('a file that is not a certificate → one line on stderr, exit 2', () => {
    const pem = path.join(dir, 'not-a-cert.pem');
    const r = run(['--tls-cert', pem, '--tls-key', pem]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('AQUA_AUTH is read from the environment, and a bad one is a usage error', async () => {
    expect(run([], { AQUA_AUTH: 'nocolon' }).status).toBe(2);
    const prev = process.env.AQUA_AUTH;
    process.env.AQUA_AUTH = 'ada:secret';
    try {
      const guarded = await startCli(['--log-level', 'error', dir]);
      try {
        const { text } = await rawExchange(guarded.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        expect(text).toMatch(/^HTTP\/1\.1 401 /);
        const ok = await rawExchange(
          guarded.port,
          `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('ada:secret')}\r\nConnection: close\r\n\r\n`,
        );
        expect(ok.text).toMatch(/^HTTP\/1\.1 200 /);
      } finally {
        guarded.kill();
      }
    } finally {
      if (prev === undefined) delete process.env.AQUA_AUTH;
      else process.env.AQUA_AUTH = prev;
    }
  }, 20_000);
});
