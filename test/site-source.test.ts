import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ConfigError } from '../src/site/config.js';
import { mergeSiteConfig, openSiteSource, type SiteSource } from '../src/site/source.js';
import { tempDir } from './helpers.js';

/** A pino logger that records each line as an object. */
function recordingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('openSiteSource', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let source: SiteSource | null = null;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => {
    source?.close();
    source = null;
    await cleanup();
  });

  it('fails at start with every bad key named', async () => {
    const file = path.join(dir, 'aqua.json');
    await writeFile(file, JSON.stringify({ spa: 1, redirects: [{ source: '/a', destination: '/b', status: 200 }] }));
    const open = (): SiteSource => openSiteSource({ code: {}, file, required: true, logger: null });
    expect(open).toThrow(ConfigError);
    expect(open).toThrow(/spa: .*; redirects\[0\]\.status: must be 301, 302, 307 or 308/);
  });

  it('a required file that is missing is an error; an optional one is not', () => {
    const file = path.join(dir, 'none.json');
    expect(() => openSiteSource({ code: {}, file, required: true, logger: null })).toThrow(/none\.json: no such file/);
    source = openSiteSource({ code: {}, file, required: false, logger: null });
    expect(source.current().rules.spa).toBeNull();
  });

  it('validates the options given in code the same way', () => {
    expect(() =>
      openSiteSource({ code: { trailingSlash: 'x' as never }, file: null, required: false, logger: null }),
    ).toThrow('options: trailingSlash:');
  });

  it('reloads an edit, keeps the last good config on a bad one, and logs why', async () => {
    const file = path.join(dir, 'aqua.json');
    await writeFile(file, JSON.stringify({ spa: true }));
    const { logger, lines } = recordingLogger();
    source = openSiteSource({ code: {}, file, required: true, logger });
    const s = source;
    expect(s.current().rules.spa).toBe('/index.html');

    // An editor's save: write a temporary file, rename it over the config.
    await writeFile(path.join(dir, '.tmp'), JSON.stringify({ spa: '/app.html', cleanUrls: true }));
    await rename(path.join(dir, '.tmp'), file);
    await until(() => s.current().rules.spa === '/app.html');
    expect(s.current().rules.cleanUrls).toBe(true);
    expect(lines.some((l) => l.msg === 'config reloaded')).toBe(true);

    await writeFile(file, '{ "spa": "/app.html", "cleanUrls": "yes" }');
    await until(() => lines.some((l) => String(l.msg).startsWith('config not reloaded')));
    const warning = lines.find((l) => String(l.msg).startsWith('config not reloaded'));
    expect(warning?.problems).toEqual([`cleanUrls: Invalid input: expected boolean, received string`]);
    expect(s.current().rules.cleanUrls).toBe(true);

    await rm(file);
    await until(() => lines.some((l) => String(l.msg).startsWith('config file unreadable')));
    expect(s.current().rules.spa).toBe('/app.html');
  });

  it('picks up a config file that appears after start', async () => {
    const file = path.join(dir, 'aqua.json');
    source = openSiteSource({ code: {}, file, required: false, logger: null });
    const s = source;
    await writeFile(file, JSON.stringify({ notFound: '/404.html' }));
    await until(() => s.current().rules.notFound === '/404.html');
  });
});

describe('mergeSiteConfig', () => {
  it('lets code override scalars and orders the rule lists', () => {
    const merged = mergeSiteConfig(
      {
        spa: true,
        cleanUrls: true,
        headers: [{ source: '/**', headers: { A: 'file' } }],
        redirects: [{ source: '/a', destination: '/file', status: 301 }],
      },
      {
        spa: '/app.html',
        headers: [{ source: '/**', headers: { A: 'code' } }],
        redirects: [{ source: '/a', destination: '/code', status: 302 }],
      },
    );
    expect(merged.spa).toBe('/app.html');
    expect(merged.cleanUrls).toBe(true);
    expect(merged.headers?.map((h) => h.headers.A)).toEqual(['file', 'code']);
    expect(merged.redirects?.map((r) => r.destination)).toEqual(['/code', '/file']);
  });
});
