import { spawn, type SpawnOptions } from 'node:child_process';
import { renderUnicodeCompact } from 'uqr';

/**
 * Prints `url` as a QR code (for a phone or a TV to scan) using half-block characters: two modules per
 * character row, so a LAN URL fits in about 15 lines. Light modules are drawn as blocks, which reads
 * right on the usual dark terminal; the quiet zone is part of the drawing.
 */
export function printQr(url: string, stream: NodeJS.WritableStream): void {
  const code = renderUnicodeCompact(url, { ecc: 'L', border: 2 });
  stream.write(`${code}\n`);
}

/** How {@link openBrowser} starts a process; a parameter so tests can watch it without opening anything. */
export type Spawner = (
  command: string,
  args: readonly string[],
  options: SpawnOptions,
) => { on(event: 'error', listener: (err: Error) => void): unknown; unref(): void };

/** The command that opens a URL in the default browser on each platform. */
export function openCommand(url: string, platform: NodeJS.Platform): { command: string; args: string[] } {
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: [url] };
    case 'win32':
      // `start` is a cmd built-in; its first quoted argument is a window title; `&` would split the command.
      return { command: 'cmd', args: ['/c', 'start', '""', url.replace(/&/g, '^&')] };
    default:
      return { command: 'xdg-open', args: [url] };
  }
}

/**
 * Opens `url` in the default browser (`--open`), detached so the server does not wait for it. Best
 * effort: a machine without a browser or without xdg-open is not an error worth stopping for.
 */
export function openBrowser(url: string, platform: NodeJS.Platform = process.platform, run: Spawner = spawn): void {
  const { command, args } = openCommand(url, platform);
  try {
    const child = run(command, args, { detached: true, stdio: 'ignore', windowsHide: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // spawn can throw synchronously (e.g. EACCES on some systems): ignored like an async error.
  }
}
