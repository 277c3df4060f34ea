import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';

// The unit tier's guard (test/unit/no-io.ts) is active: what would make a test impure throws at once.
describe('a unit test cannot reach outside the process', () => {
  const attempts: ReadonlyArray<readonly [string, () => unknown]> = [
    ['listen on a port', () => net.createServer().listen(0, '127.0.0.1')],
    ['connect a socket', () => net.connect(9, '127.0.0.1')],
    ['send an HTTP request', () => http.get('http://127.0.0.1:9/')],
    ['spawn a process', () => spawn(process.execPath, ['-e', '0'])],
    ['run a process synchronously', () => execFileSync(process.execPath, ['-e', '0'])],
  ];
  it.each(attempts)('%s throws', (_what, attempt) => {
    expect(attempt).toThrow(/belongs in test\/, not test\/unit\//);
  });
});
