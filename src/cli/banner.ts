import type { AddressInfo } from 'node:net';
import { isWildcard, lanAddresses } from '../http/lan.js';
import { packageVersion } from './args.js';
import type { Config } from './config.js';
import { openBrowser, printQr } from './terminal.js';
import { uploadBanner } from '../upload/cli.js';

/** Where the server listens, and the port it was asked for when that one was taken. */
export interface Bound {
  readonly address: AddressInfo;
  readonly movedFrom?: number;
}

/** The URLs that reach the server: on this machine, and on each network interface when listening on all of them. */
export function urls(
  address: AddressInfo,
  host: string | undefined,
  scheme: 'http' | 'https',
): { local: string; lan: string[] } {
  const fmt = (h: string): string => `${scheme}://${h.includes(':') ? `[${h}]` : h}:${address.port}/`;
  if (host !== undefined && !isWildcard(host)) return { local: fmt(host), lan: [] };
  const lan = lanAddresses(address.family === 'IPv6').map(fmt);
  return { local: fmt('localhost'), lan };
}

/** What the terminal shows once the server listens: the banner, then the QR code (`--qr`), and `--open`. */
export function announce(config: Config, bound: Bound): void {
  const { local, lan } = urls(bound.address, config.host, config.tls ? 'https' : 'http');
  if (config.logLevel !== 'silent') printBanner(config, bound, local, lan);
  if (config.qr) {
    // Asked for explicitly, so printed even with --quiet. IPv4 first: phones type and scan it best.
    const target = lan.find((u) => !u.includes('[')) ?? lan[0] ?? local;
    process.stdout.write(`  Scan to open ${target}\n`);
    printQr(target, process.stdout);
  }
  if (config.open) openBrowser(local);
}

function printBanner(config: Config, bound: Bound, local: string, lan: readonly string[]): void {
  const lines = [`aqua-serve ${packageVersion()} serving ${config.root}`];
  if (bound.movedFrom !== undefined)
    lines.push(`  port ${bound.movedFrom} is in use; took free port ${bound.address.port} instead`);
  lines.push(`  Local:   ${local}`);
  for (const url of lan) lines.push(`  Network: ${url}`);
  lines.push(...uploadBanner(config.uploads));
  if (config.webdav) {
    const where = config.uploads?.folder ? ` in /${config.uploads.folder}/` : '';
    lines.push(`  WebDAV:  ON, ${config.uploads ? `read-write${where} (as uploads)` : 'read-only'}`);
  }
  if (config.share) {
    const kept = config.share.file ? `key in ${config.share.file}` : 'key for this run only: links end when it stops';
    lines.push(`  Share links: pages offer "Copy share link" (no password, a week; ${kept})`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
