/**
 * The upload UI of a folder page (assets/upload.js) in headless Chromium, behind --auth as the CLI requires:
 * files chosen with the picker arrive byte-exact through tus, each row ends "done" with a link to the file;
 * a PATCH whose connection fails is retried and resumed; a folder outside the upload folder shows no button.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, tempDir, type Running } from './helpers.js';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { randomBytesOf, sha256, USER } from './support/upload.js';

let root: string;
let cleanup: () => Promise<void>;
let server: Running;
let browser: Chromium | undefined;
const errors: string[] = [];

beforeAll(async () => {
  if (SKIP_BROWSER) return;
  const t = await tempDir('aqua-upload-ui-');
  cleanup = t.cleanup;
  root = t.dir;
  await mkdir(path.join(root, 'in'));
  await mkdir(path.join(root, 'other'));
  server = await start({ root, auth: USER, upload: 'in' });
  const [username, password] = USER.split(':') as [string, string];
  browser = await launchChromium({ httpCredentials: { username, password } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await cleanup?.();
});

async function open(url: string): Promise<Page> {
  const page = await (browser as Chromium).context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(server.url + url, { waitUntil: 'load' });
  return page;
}

describe.skipIf(SKIP_BROWSER)('the upload UI', () => {
  it('uploads the files chosen with the picker, byte-exact, each row ending "done" with a link', async () => {
    const page = await open('/in/');
    const files = [
      { name: 'one.bin', mimeType: 'application/octet-stream', buffer: randomBytesOf(3 * 2 ** 20) },
      { name: 'résumé two.txt', mimeType: 'text/plain', buffer: Buffer.from('two\n') },
    ];
    await page.locator('[data-upload-input]').setInputFiles(files);
    await page.locator('.uploads li.done').nth(1).waitFor();
    for (const file of files) {
      expect(sha256(await readFile(path.join(root, 'in', file.name)))).toBe(sha256(file.buffer));
    }
    expect(await page.locator('.uploads li.done a').first().getAttribute('href')).toBe('/in/one.bin');
    await page.locator('[data-upload-reload]').click();
    await page.waitForLoadState('load');
    expect(await page.locator('table.listing').innerText()).toContain('résumé two.txt');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('retries a PATCH whose connection failed and resumes it', async () => {
    const page = await open('/in/');
    let failed = 0;
    await page.route('**/.aqua/upload/*', (route) => {
      if (route.request().method() === 'PATCH' && failed++ === 0) return route.abort('connectionreset');
      return route.continue();
    });
    const buffer = randomBytesOf(2 * 2 ** 20);
    await page
      .locator('[data-upload-input]')
      .setInputFiles([{ name: 'retried.bin', mimeType: 'application/octet-stream', buffer }]);
    await page.locator('.uploads li.done').waitFor();
    expect(failed).toBeGreaterThanOrEqual(2);
    expect(sha256(await readFile(path.join(root, 'in', 'retried.bin')))).toBe(sha256(buffer));
    await page.close();
  });

  it('a file chosen again after its page was closed mid-upload resumes the same upload (no second creation)', async () => {
    const file = path.join(path.dirname(root), 'again.bin');
    const buffer = randomBytesOf(2 * 2 ** 20);
    await writeFile(file, buffer);
    const posts: string[] = [];
    const first = await open('/in/');
    first.on('request', (req) => {
      if (req.method() === 'POST') posts.push(req.url());
    });
    const patched = new Promise<void>((resolve) => {
      void first.route('**/.aqua/upload/*', (route) => {
        if (route.request().method() !== 'PATCH') return route.continue();
        resolve();
        return route.abort('connectionreset'); // the lid closes: nothing of the body arrives
      });
    });
    await first.locator('[data-upload-input]').setInputFiles(file);
    await patched;
    await first.close();
    const second = await open('/in/');
    second.on('request', (req) => {
      if (req.method() === 'POST') posts.push(req.url());
    });
    await second.locator('[data-upload-input]').setInputFiles(file);
    await second.locator('.uploads li.done').waitFor();
    expect(posts).toHaveLength(1);
    expect(sha256(await readFile(path.join(root, 'in', 'again.bin')))).toBe(sha256(buffer));
    await second.close();
  });

  it('shows no upload button outside the upload folder, and no upload script there', async () => {
    const page = await open('/other/');
    expect(await page.locator('[data-upload-pick]').count()).toBe(0);
    expect(await page.locator('script[src*="upload"]').count()).toBe(0);
    await page.close();
  });
});
