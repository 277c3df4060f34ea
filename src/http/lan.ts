import os from 'node:os';

/**
 * The machine's addresses that other devices on its networks can reach: every non-internal IPv4
 * address, then (when `ipv6`) every non-internal IPv6 address that is not link-local (`fe80::`), which
 * needs a zone no URL carries.
 */
export function lanAddresses(ipv6: boolean): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') v4.push(a.address);
      else if (ipv6 && !a.address.toLowerCase().startsWith('fe80')) v6.push(a.address);
    }
  }
  return [...v4, ...v6];
}

/** Whether a listening address is every interface (`::`, `0.0.0.0`). */
export function isWildcard(address: string | undefined): boolean {
  return address === undefined || address === '' || address === '::' || address === '0.0.0.0';
}

/** Whether an address is this machine's loopback (`127.0.0.0/8`, `::1`, and IPv4 mapped into IPv6). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const bare = address.replace(/^::ffff:/i, '');
  return bare === '::1' || /^127\./.test(bare) || bare === 'localhost';
}
