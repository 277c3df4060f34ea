// A file recently served (metadata and block caches warm), then replaced by rename or deleted while a
// client downloads it: the download finishes with the bytes the file had when it started (POSIX
// semantics, as nginx gives) — the response holds the descriptor it opened at the start.
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHash, patternBytes, sha256, startScript, type Child } from './support.js';

const SIZE = 96 * 1024 * 1024;

/** GET `target`; after the headers, stop reading, run `meanwhile`, then read the rest. */
function downloadAround(
  port: number,
  target: string,
  meanwhile: () => void,
): Promise<{ status: number; bytes: number; sha256: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, agent: false }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.pause();
      setTimeout(() => {
        meanwhile();
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          hash.update(c);
        });
        res.resume();
      }, 300);
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex'), complete: true }),
      );
      res.once('aborted', () => resolve({ status: res.statusCode ?? 0, bytes, sha256: '', complete: false }));
      res.once('error', () => resolve({ status: res.statusCode ?? 0, bytes, sha256: '', complete: false }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('a file replaced or deleted during a download (warm caches)', () => {
  let dir: string;
  let server: Child;
  const old = patternBytes(SIZE, 7);
  const replacement = patternBytes(SIZE, 8);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-replace-'));
    server = await startScript({ root: dir });
  });

  afterAll(() => {
    server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['replaced by rename', (file: string) => renameSync(file + '.new', file), true],
    ['deleted', (file: string) => unlinkSync(file), false],
  ])(
    '%s: the running download gets every byte of the old content',
    async (_how, change, prepare) => {
      const name = `film-${prepare ? 'r' : 'd'}.bin`;
      const file = path.join(dir, name);
      writeFileSync(file, old);
      if (prepare) writeFileSync(file + '.new', replacement);
      // Warm: served once entirely (the metadata cache knows it), then its first 32 MiB again, as a player
      // reads the start: those blocks are in the memory cache, the middle is not.
      expect((await fetchHash(server.port, `/${name}`)).sha256).toBe(sha256(old));
      const head = await fetchHash(server.port, `/${name}`, { Range: `bytes=0-${32 * 1024 * 1024 - 1}` });
      expect(head.sha256).toBe(sha256(old.subarray(0, 32 * 1024 * 1024)));
      const r = await downloadAround(server.port, `/${name}`, () => change(file));
      expect({ status: r.status, bytes: r.bytes, complete: r.complete }).toEqual({
        status: 200,
        bytes: SIZE,
        complete: true,
      });
      expect(r.sha256).toBe(sha256(old));
      // New requests see the new state.
      const after = await fetchHash(server.port, `/${name}`);
      if (prepare) expect(after.sha256).toBe(sha256(replacement));
      else expect(after.status).toBe(404);
    },
    60_000,
  );
});
