import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SKIP_BROWSER, type Chromium } from './support/chromium.js';
import { request, start, tempDir, type Running } from './helpers.js';

describe.skipIf(SKIP_BROWSER)('share links in Chromium', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let server: Running;
  let owner: Chromium;
  let guest: Chromium;
  let origin: string;
  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir());
    await mkdir(path.join(root, 'Holiday'));
    await writeFile(path.join(root, 'Holiday', 'notes.txt'), 'the beach, day two\n');
    await writeFile(path.join(root, 'private.txt'), 'not for guests\n');
    server = await start({ root, auth: 'ada:s3cret' });
    origin = `http://127.0.0.1:${server.port}`;
    owner = await launchChromium({ httpCredentials: { username: 'ada', password: 's3cret' } });
    await owner.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    guest = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await owner?.close();
    await guest?.close();
    await server?.close();
    await cleanup?.();
  });

  it('the owner copies a folder link; a guest without the password opens the folder, its files and styles', async () => {
    const page = await owner.context.newPage();
    await page.goto(`${origin}/Holiday/`);
    await page.getByRole('button', { name: 'Copy share link' }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('button[data-copy] .label')].some((l) => l.textContent === 'Copied'),
    );
    const link = await page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(new RegExp(`^${origin}/Holiday/\\?token=[\\w.-]+$`));

    const visit = await guest.context.newPage();
    const answer = await visit.goto(link);
    expect(answer?.status()).toBe(200);
    // The stylesheet came through too (the cookie the link set): the header bar is laid out, not unstyled.
    expect(await visit.evaluate(() => getComputedStyle(document.querySelector('header.bar')!).display)).toBe('flex');
    await visit.getByRole('link', { name: 'notes.txt' }).first().click();
    await visit.waitForLoadState();
    expect(await visit.textContent('body')).toContain('the beach, day two');
    // The cookie the browser kept opens nothing outside the shared folder (asked from here: in the browser, a 401
    // waits on the password prompt).
    const cookies = await guest.context.cookies(origin);
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['aqua-share', true, 'Lax']]);
    const jar = { cookie: `aqua-share=${cookies[0]!.value}` };
    expect((await request(server.port, '/Holiday/notes.txt', { headers: jar })).status).toBe(200);
    expect((await request(server.port, '/private.txt', { headers: jar })).status).toBe(401);
  });
});
