import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Tests that spawn the real CLI need dist/ to be current: build once before any test file runs. The CLI behind
 * `--auth` keeps its share-link key in the user's config folder: point that at a folder of the run, so tests never
 * write into the home of whoever runs them.
 */
export default function setup(): () => void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  const config = mkdtempSync(path.join(os.tmpdir(), 'aqua-config-'));
  process.env.XDG_CONFIG_HOME = config;
  return () => rmSync(config, { recursive: true, force: true });
}
