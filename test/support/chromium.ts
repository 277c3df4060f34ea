/** Headless Chromium for the browser tests: Debian's /usr/bin/chromium through playwright-core. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** AQUA_SKIP_BROWSER=1 skips every browser test; without it a missing Chromium is an error, not a skip. */
export const SKIP_BROWSER = process.env.AQUA_SKIP_BROWSER === '1';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

export interface Chromium {
  readonly context: BrowserContext;
  /** Close the browser and remove its profile. */
  close(): Promise<void>;
}

/**
 * Chromium in a fresh profile of its own. `options` go to playwright's `launchPersistentContext`; `args`
 * are added to the usual flags.
 */
export async function launchChromium(
  options: Omit<NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>, 'executablePath' | 'args'> & {
    readonly args?: readonly string[];
  } = {},
): Promise<Chromium> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or AQUA_SKIP_BROWSER=1)`);
  const { args = [], ...rest } = options;
  const profile = await mkdtemp(path.join(os.tmpdir(), 'aqua-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      headless: true,
      timeout: 30_000,
      ...rest,
      executablePath: CHROMIUM,
      args: [...ARGS, ...args],
    });
    return {
      context,
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
}
