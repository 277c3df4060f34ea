// Setup file of the unit tier (`npm run test:unit`): a test in test/unit/ stays pure. Opening a socket, listening,
// or starting a process throws, so a test that needs them fails here and belongs in test/ (the full tier).
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { vi } from 'vitest';

function refuse(what: string): never {
  throw new Error(`${what} in a unit test: a test that needs it belongs in test/, not test/unit/`);
}

vi.spyOn(net.Server.prototype, 'listen').mockImplementation(() => refuse('net.Server#listen'));
vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(() => refuse('net.Socket#connect'));
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  vi.spyOn(childProcess, name).mockImplementation(() => refuse(`child_process.${name}`));
}
// Named imports (`import { spawn } from 'node:child_process'`) see the replacements too.
syncBuiltinESMExports();
