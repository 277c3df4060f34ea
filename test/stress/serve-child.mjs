// A server in its own process, for tests that read its memory and descriptors from /proc.
// Usage: node serve-child.mjs '<JSON of AquaServerOptions>'; prints "LISTENING <port>" once bound.
// SIGTERM closes it gracefully (as the CLI does) and exits 0.
import { createAquaServer } from '../../dist/index.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const aqua = createAquaServer({ host: '127.0.0.1', port: 0, ...options });
const { port } = await aqua.listen();
process.stdout.write(`LISTENING ${port}\n`);
process.on('SIGTERM', () => {
  void aqua.close().then(() => process.exit(0));
});
