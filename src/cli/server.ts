import cluster from 'node:cluster';
import type http from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { Logger } from '../log.js';
import { createAquaServer, type AquaServer, type TlsOptions } from '../server/index.js';
import { ConfigError } from '../site/config.js';
import { announce, type Bound } from './banner.js';
import { serverOptions, type Config } from './config.js';
import { fail, onStopSignal, parseOrExit, portProblem, UsageError } from './run.js';

/**
 * The server of this process: the only one, or one `--workers` worker. `main()` imports this module only where a
 * server runs, so the primary of `--workers`, which only forks and supervises, never loads the request path.
 */

/** The server the CLI runs: plain HTTP, or HTTPS with --tls-cert/--tls-key. */
type AnyAquaServer = AquaServer<http.Server | Http2SecureServer>;

const NAME = 'aqua-serve';

/** Listen on the configured port; if the default port is taken and none was asked for, take a free one. */
async function listen(aqua: AnyAquaServer, config: Config): Promise<Bound> {
  const tryListen = async (port: number): Promise<Bound['address']> => {
    try {
      return await aqua.listen(port, config.host);
    } catch (err) {
      // No IPv6 on this machine: listen on every IPv4 interface instead.
      if (!config.host && (err as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') return aqua.listen(port, '0.0.0.0');
      throw err;
    }
  };
  try {
    return { address: await tryListen(config.port) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || config.portExplicit) throw err;
    return { address: await tryListen(0), movedFrom: config.port };
  }
}

/** The server for this config and this process (a `--workers` worker keeps its share of the memory cache). */
function createServer(config: Config, tls: TlsOptions | undefined, logger: Logger): AnyAquaServer {
  const options = { ...serverOptions(config), logger };
  const memory = options.memoryCacheBytes;
  if (cluster.isWorker && memory !== undefined) options.memoryCacheBytes = Math.floor(memory / config.workers);
  try {
    return tls ? createAquaServer({ ...options, tls }) : createAquaServer(options);
  } catch (err) {
    // The config file changed since it was checked, or a certificate or key that node:tls cannot use.
    if (err instanceof ConfigError) throw new UsageError(err.message);
    if (err instanceof RangeError) throw new UsageError(err.message); // an option the flags' parsers cannot check
    throw new UsageError(`cannot use --tls-cert/--tls-key: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Create the server, listen, and stop gracefully on SIGINT/SIGTERM. Resolves once it listens (or has failed). */
export async function runServer(config: Config, tls: TlsOptions | undefined, logger: Logger): Promise<void> {
  const aqua = await parseOrExit(NAME, () => createServer(config, tls, logger));
  if (!aqua) return;
  let bound: Bound;
  try {
    bound = await listen(aqua, config);
  } catch (err) {
    fail(NAME, portProblem(err, config.port, config.host), 1);
    return;
  }
  // Signals first: whoever reads the banner may stop the server at once, and must get a clean exit.
  onStopSignal((signal) => {
    logger.info({ signal, graceSeconds: config.grace }, 'stopping: finishing running responses');
    void aqua.close().then(() => {
      logger.info('stopped');
      logger.flush(() => process.exit(0)); // every buffered line is written before the exit
    });
  });
  if (!cluster.isWorker) announce(config, bound);
}
