import { describe, expect, it } from 'vitest';
import { ConfigError, parseSiteConfig, validateSiteConfig } from '../../src/site/config.js';
import { compilePattern, fillDestination } from '../../src/site/pattern.js';
import {
  beforeResolve,
  cleanUrlCandidate,
  compileRules,
  headersFor,
  prefersHtml,
  spaApplies,
} from '../../src/site/rules.js';

describe('compilePattern', () => {
  // [pattern, path, captures or null]
  const rows: [string, string, Record<string, string> | null][] = [
    ['/about', '/about', {}],
    ['/about', '/about/', null],
    ['/about', '/About', null],
    ['/blog/:slug', '/blog/hello', { slug: 'hello' }],
    ['/blog/:slug', '/blog/', null],
    ['/blog/:slug', '/blog/a/b', null],
    ['/blog/:year/:slug', '/blog/2024/hi', { year: '2024', slug: 'hi' }],
    ['/docs/:rest*', '/docs/a/b/c', { rest: 'a/b/c' }],
    ['/docs/:rest*', '/docs/', { rest: '' }],
    ['/*.html', '/a.html', {}],
    ['/*.html', '/x/a.html', null],
    ['/**/*.wasm', '/a.wasm', {}],
    ['/**/*.wasm', '/pkg/deep/a.wasm', {}],
    ['/**', '/', {}],
    ['/**', '/any/thing', {}],
    ['/assets/**', '/assets/app.3f2a.js', {}],
    ['/a.b', '/aXb', null],
    ['/(x)', '/(x)', {}],
  ];
  it.each(rows)('%s against %s → %j', (pattern, path, expected) => {
    expect(compilePattern(pattern).match(path)).toEqual(expected);
  });

  it.each([
    ['no-slash', 'must start with "/"'],
    ['/:a/:a', 'appears twice'],
    ['/:rest*/x', 'must end the pattern'],
  ])('rejects %s (%s)', (pattern, message) => {
    expect(() => compilePattern(pattern)).toThrow(message);
  });

  it('fills destinations, percent-encoding captures and leaving other colons alone', () => {
    expect(fillDestination('/posts/:slug', { slug: 'a b?' })).toBe('/posts/a%20b%3F');
    expect(fillDestination('https://x.test/:rest', { rest: 'a/b c' })).toBe('https://x.test/a/b%20c');
    expect(fillDestination('/:unknown', {})).toBe('/:unknown');
  });
});

describe('validateSiteConfig: messages name the bad key', () => {
  const rows: [unknown, string][] = [
    [{ spa: 3 }, 'spa:'],
    [{ spa: 'index.html' }, 'spa:'],
    [
      { redirects: [{ source: '/a', destination: '/b', status: 303 }] },
      'redirects[0].status: must be 301, 302, 307 or 308',
    ],
    [{ redirects: [{ source: 'a', destination: '/b' }] }, 'redirects[0].source: must start with "/"'],
    [{ redirects: [{ source: '/a', destination: 'javascript:x' }] }, 'redirects[0].destination:'],
    [{ redirects: [{ source: '/a' }] }, 'redirects[0].destination:'],
    [{ headers: [{ source: '/**', headers: { 'Bad Name': 'x' } }] }, 'headers[0].headers.Bad Name'],
    [{ headers: [{ source: '/**', headers: { 'X-A': 'a\r\nSet-Cookie: x' } }] }, 'headers[0].headers.X-A:'],
    [{ rewrites: [{ source: '/x', destination: '/../etc/passwd' }] }, 'rewrites[0].destination: must not contain'],
    [{ trailingSlash: 'yes' }, 'trailingSlash:'],
    [{ cache: -1 }, 'cache:'],
    [{ notFound: '404.html' }, 'notFound:'],
    [{ redirect: [] }, '(top level): unknown key "redirect"'],
    [{ headers: [{ source: '/**', headers: {}, extra: 1 }] }, 'headers[0]: unknown key "extra"'],
    [[], '(top level):'],
  ];
  it.each(rows)('%j → %s', (value, message) => {
    expect(() => validateSiteConfig(value, 'aqua.json')).toThrow(ConfigError);
    expect(() => validateSiteConfig(value, 'aqua.json')).toThrow(`aqua.json: ${message}`);
  });

  it('reports bad JSON with the file name', () => {
    expect(() => parseSiteConfig('{ "spa": true,', '/srv/aqua.json')).toThrow(/^\/srv\/aqua\.json: not valid JSON/);
  });

  it('accepts a complete config and applies defaults', () => {
    const config = validateSiteConfig(
      {
        $schema: './aqua.schema.json',
        spa: true,
        compress: false,
        cleanUrls: true,
        trailingSlash: false,
        notFound: '/404.html',
        cors: true,
        cache: 60,
        headers: [{ source: '/**/*.wasm', headers: { 'Cross-Origin-Embedder-Policy': 'require-corp' } }],
        redirects: [{ source: '/old/:slug', destination: '/new/:slug' }],
        rewrites: [{ source: '/app/:rest*', destination: '/app/index.html' }],
      },
      'aqua.json',
    );
    expect(config.redirects?.[0].status).toBe(301);
  });
});

describe('beforeResolve', () => {
  const rules = compileRules(
    validateSiteConfig(
      {
        cleanUrls: true,
        redirects: [
          { source: '/old/:slug', destination: '/new/:slug', status: 308 },
          { source: '/ext/:rest*', destination: 'https://example.test/:rest', status: 302 },
          { source: '/about.html', destination: '/team', status: 307 },
        ],
        rewrites: [{ source: '/u/:id', destination: '/user.html' }],
      },
      'test',
    ),
  );
  const rows: [string, string, unknown][] = [
    ['/old/hello', '', { kind: 'redirect', status: 308, location: '/new/hello' }],
    ['/old/a b', '/m', { kind: 'redirect', status: 308, location: '/m/new/a%20b' }],
    ['/ext/a/b', '/m', { kind: 'redirect', status: 302, location: 'https://example.test/a/b' }],
    // Redirects come before clean URLs.
    ['/about.html', '', { kind: 'redirect', status: 307, location: '/team' }],
    ['/contact.html', '', { kind: 'redirect', status: 301, location: '/contact' }],
    ['/docs/index.html', '', { kind: 'redirect', status: 301, location: '/docs/' }],
    ['/index.html', '', { kind: 'redirect', status: 301, location: '/' }],
    ['/u/42', '', { kind: 'rewrite', path: '/user.html' }],
    ['/other', '', null],
  ];
  it.each(rows)('%s (base %j) → %j', (path, base, expected) => {
    expect(beforeResolve(rules, path, base)).toEqual(expected);
  });

  it('keeps a trailing slash on clean URLs when trailingSlash is true', () => {
    const slashy = compileRules({ cleanUrls: true, trailingSlash: true });
    expect(beforeResolve(slashy, '/about.html', '')).toEqual({ kind: 'redirect', status: 301, location: '/about/' });
    expect(cleanUrlCandidate(slashy, '/about')).toEqual({ file: '/about.html', canonical: '/about/' });
  });

  it('finds clean-URL files only for extension-less paths', () => {
    const clean = compileRules({ cleanUrls: true });
    expect(cleanUrlCandidate(clean, '/about')).toEqual({ file: '/about.html', canonical: '/about' });
    expect(cleanUrlCandidate(clean, '/about/')).toEqual({ file: '/about.html', canonical: '/about' });
    expect(cleanUrlCandidate(clean, '/app.js')).toBeNull();
    expect(cleanUrlCandidate(clean, '/')).toBeNull();
    expect(cleanUrlCandidate(compileRules({}), '/about')).toBeNull();
  });
});

describe('SPA fallback decision', () => {
  const spa = compileRules({ spa: true });
  const NAV = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
  const rows: [string, string, string | undefined, boolean][] = [
    ['GET', '/dashboard/settings', NAV, true],
    ['HEAD', '/dashboard', NAV, true],
    ['GET', '/dashboard/', NAV, true],
    ['GET', '/app.3f2a.js', NAV, false],
    ['GET', '/favicon.ico', 'image/avif,image/webp,*/*', false],
    ['GET', '/api/user', 'application/json', false],
    ['GET', '/api/user', '*/*', false],
    ['GET', '/api/user', undefined, false],
    ['GET', '/route', 'text/html;q=0.5, application/json', false],
    ['GET', '/route', 'text/html;q=0', false],
    ['POST', '/route', NAV, false],
  ];
  it.each(rows)('%s %s Accept %j → %s', (method, path, accept, expected) => {
    expect(spaApplies(spa, method, path, accept)).toBe(expected);
  });
  it('is off without spa', () => {
    expect(spaApplies(compileRules({}), 'GET', '/x', NAV)).toBe(false);
  });
  it('reads Accept like a browser navigation', () => {
    expect(prefersHtml('text/html')).toBe(true);
    expect(prefersHtml('application/xhtml+xml')).toBe(true);
    expect(prefersHtml('text/*')).toBe(false);
  });
});

describe('headersFor', () => {
  it('merges matching rules in order, later ones winning', () => {
    const rules = compileRules({
      headers: [
        { source: '/**', headers: { 'X-Frame-Options': 'DENY', 'Cache-Control': 'no-cache' } },
        { source: '/assets/**', headers: { 'Cache-Control': 'public, max-age=31536000, immutable' } },
      ],
    });
    expect(headersFor(rules, '/assets/app.js')).toEqual({
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
    expect(headersFor(rules, '/index.html')).toEqual({ 'X-Frame-Options': 'DENY', 'Cache-Control': 'no-cache' });
  });
});
