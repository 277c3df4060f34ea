import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encode } from 'uqr';
import { openBrowser, openCommand, printQr, type Spawner } from '../src/cli/terminal.js';

/** Reads the half-block drawing back into a matrix of "light" modules (blocks are light). */
function readQr(text: string): boolean[][] {
  const rows: boolean[][] = [];
  for (const line of text.trimEnd().split('\n')) {
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (const ch of line) {
      top.push(ch === '█' || ch === '▀');
      bottom.push(ch === '█' || ch === '▄');
    }
    rows.push(top, bottom);
  }
  return rows;
}

describe('printQr', () => {
  it('draws the QR code of the URL, module for module, with a quiet zone', () => {
    const url = 'http://192.168.1.23:5000/';
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    printQr(url, out);
    const expected = encode(url, { ecc: 'L', border: 2 });
    const drawn = readQr(text).slice(0, expected.size);
    expect(drawn.length).toBe(expected.size);
    for (let y = 0; y < expected.size; y++) {
      // uqr's data is true for dark modules; the drawing shows light modules as blocks.
      expect(drawn[y]).toEqual(expected.data[y]!.map((dark) => !dark));
    }
    // Quiet zone: the first two rows are all light.
    expect(drawn[0]!.every(Boolean) && drawn[1]!.every(Boolean)).toBe(true);
    expect(text.split('\n').length).toBeLessThan(25);
  });
});

describe('openBrowser', () => {
  it('uses the platform opener', () => {
    expect(openCommand('http://h/', 'linux')).toEqual({ command: 'xdg-open', args: ['http://h/'] });
    expect(openCommand('http://h/', 'darwin')).toEqual({ command: 'open', args: ['http://h/'] });
    expect(openCommand('http://h/?a&b', 'win32')).toEqual({
      command: 'cmd',
      args: ['/c', 'start', '""', 'http://h/?a^&b'],
    });
  });

  it('spawns detached, unrefs, and ignores errors (async or thrown)', () => {
    const calls: { command: string; args: readonly string[]; detached: boolean | undefined }[] = [];
    let unrefs = 0;
    let errorListener: ((err: Error) => void) | null = null;
    const fake: Spawner = (command, args, options) => {
      calls.push({ command, args, detached: options.detached });
      return {
        on: (_event, listener) => {
          errorListener = listener;
        },
        unref: () => {
          unrefs++;
        },
      };
    };
    openBrowser('http://127.0.0.1:5000/', 'linux', fake);
    expect(calls).toEqual([{ command: 'xdg-open', args: ['http://127.0.0.1:5000/'], detached: true }]);
    expect(unrefs).toBe(1);
    expect(errorListener).not.toBeNull();
    expect(() => errorListener!(new Error('spawn xdg-open ENOENT'))).not.toThrow();
    const throwing: Spawner = () => {
      throw new Error('EACCES');
    };
    expect(() => openBrowser('http://x/', 'linux', throwing)).not.toThrow();
  });

  it('survives a real missing opener (ENOENT arrives as an async error event)', async () => {
    const unhandled: unknown[] = [];
    const onError = (err: unknown): void => {
      unhandled.push(err);
    };
    process.on('uncaughtException', onError);
    try {
      const missing: Spawner = (_command, args, options) => spawn('/nonexistent/aqua-opener', args, options);
      openBrowser('http://127.0.0.1:9/', 'linux', missing);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(unhandled).toEqual([]);
  });
});
