/**
 * A built single-page app (a small one made here) in Debian's Chromium, over the real server with
 * `spa: true`: deep links load the app, client-side navigation works, a reload on a deep route comes
 * back to the same view, the script arrives brotli-compressed, and a missing asset stays a 404.
 *
 * Needs /usr/bin/chromium, like test/browser.test.ts (AQUA_SKIP_BROWSER=1 skips it).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, tempDir, type Running } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';

const skip = SKIP_BROWSER;

const INDEX = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tiny spa</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css"></head>
<body><nav><a href="/">home</a> <a href="/users/42/profile" id="deep">profile</a></nav>
<main id="view">loading</main><script type="module" src="/assets/app.js"></script></body></html>
`;

// A router in the shape every SPA has: render from location.pathname, intercept links, pushState.
const APP = `
const routes = [
  [/^\\/$/, () => 'home'],
  [/^\\/users\\/(\\d+)\\/profile$/, (m) => 'profile of user ' + m[1]],
  [/^\\/settings\\/.+$/, () => 'settings'],
];
function render() {
  const path = location.pathname;
  const hit = routes.map(([re, view]) => [re.exec(path), view]).find(([m]) => m);
  document.getElementById('view').textContent = hit ? hit[1](hit[0]) : 'not found in the app';
  document.title = 'tiny spa: ' + path;
}
document.addEventListener('click', (event) => {
  const link = event.target.closest('a');
  if (!link || link.origin !== location.origin) return;
  event.preventDefault();
  history.pushState(null, '', link.pathname);
  render();
});
addEventListener('popstate', render);
render();
${'// padding so the script is worth compressing\n'.repeat(60)}`;

let srv: Running;
let browser: Chromium | undefined;
let context: BrowserContext;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  if (skip) return;
  const made = await tempDir('aqua-spa-');
  cleanup = made.cleanup;
  await mkdir(path.join(made.dir, 'assets'));
  await writeFile(path.join(made.dir, 'index.html'), INDEX);
  await writeFile(path.join(made.dir, 'assets', 'app.js'), APP);
  await writeFile(path.join(made.dir, 'assets', 'app.css'), 'main { font: 16px system-ui; }\n'.repeat(60));
  srv = await start({ root: made.dir, spa: true });
  browser = await launchChromium();
  context = browser.context;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await cleanup?.();
});

async function open(url: string, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.goto(srv.url + url, { waitUntil: 'load' });
  return page;
}

describe.skipIf(skip)('a single-page app in Chromium', () => {
  it('opens a deep link, navigates, and survives a reload on a deep route', async () => {
    const errors: string[] = [];
    const page = await open('/settings/display/colours', errors);
    await page.waitForFunction(() => document.getElementById('view')?.textContent !== 'loading');
    expect(await page.textContent('#view')).toBe('settings');

    await page.click('a[href="/"]');
    expect(await page.textContent('#view')).toBe('home');
    await page.click('#deep');
    expect(page.url()).toBe(`${srv.url}/users/42/profile`);
    expect(await page.textContent('#view')).toBe('profile of user 42');

    const reloaded = await page.reload({ waitUntil: 'load' });
    expect(reloaded?.status()).toBe(200);
    expect(reloaded?.headers()['cache-control']).toBe('no-cache');
    await page.waitForFunction(() => document.getElementById('view')?.textContent !== 'loading');
    expect(await page.textContent('#view')).toBe('profile of user 42');

    await page.goBack();
    expect(await page.textContent('#view')).toBe('home');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('gets its assets compressed, and a missing asset is a 404, not HTML', async () => {
    const errors: string[] = [];
    const page = await open('/users/7/profile', errors);
    await page.waitForFunction(() => document.getElementById('view')?.textContent !== 'loading');
    expect(await page.textContent('#view')).toBe('profile of user 7');
    // What Chromium itself negotiates, bypassing its cache: brotli, and the bytes decode to the script.
    const script = await page.evaluate(async () => {
      const res = await fetch('/assets/app.js', { cache: 'no-store' });
      return { coding: res.headers.get('content-encoding'), vary: res.headers.get('vary'), text: await res.text() };
    });
    expect(script.coding).toBe('br');
    expect(script.vary).toBe('Accept-Encoding');
    expect(script.text).toBe(APP);
    const missing = await page.evaluate(async () => {
      const res = await fetch('/assets/app.0000.js');
      return { status: res.status, type: res.headers.get('content-type') };
    });
    expect(missing.status).toBe(404);
    const asScript = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const s = document.createElement('script');
          s.src = '/assets/chunk-missing.js';
          s.onload = () => resolve('loaded');
          s.onerror = () => resolve('error');
          document.head.append(s);
        }),
    );
    expect(asScript).toBe('error');
    // Only the two 404s asked for above (the error page is HTML: Chromium refuses to run it as a script).
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const e of errors) expect(e).toMatch(/status of 404|MIME type \('text\/html'\) is not executable/);
    await page.close();
  });
});
