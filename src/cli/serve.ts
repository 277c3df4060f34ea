import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import { createSecureContext } from 'node:tls';
import { createLogger, type Logger } from '../log.js';
import { createAquaServer, type AquaServer, type TlsOptions } from '../server/index.js';
import { ConfigError } from '../site/config.js';
import { announce, type Bound } from './banner.js';
import { parseArgs, serverOptions, type Config } from './config.js';
import { fail, onStopSignal, parseOrExit, portProblem, UsageError } from './run.js';
import { runPrimary, WORKER_PORT_ENV } from './workers.js';

export { buildProgram, loadConfig, parseArgs, type Config } from './config.js';
export { UsageError } from './run.js';

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

/** Read the PEM files of --tls-cert/--tls-key; one unreadable, or a pair node:tls refuses, is a usage error. */
async function readTls(files: { certFile: string; keyFile: string }): Promise<TlsOptions> {
  const read = (file: string, flag: string): Promise<Buffer> =>
    readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${flag} ${file} (${err.code ?? 'error'})`);
    });
  const pair = { cert: await read(files.certFile, '--tls-cert'), key: await read(files.keyFile, '--tls-key') };
  try {
    createSecureContext(pair); // checked here, so a --workers primary refuses a bad pair before forking
  } catch (err) {
    throw new UsageError(`cannot use --tls-cert/--tls-key: ${(err as Error).message.split('\n')[0]}`);
  }
  return pair;
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

/** Run the CLI; resolves once the server is listening. Exits the process on errors and signals. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let config = await parseOrExit(NAME, () => parseArgs(argv));
  if (!config) return;
  const tls = config.tls ? await parseOrExit(NAME, () => readTls(config!.tls!)) : undefined;
  if (config.tls && !tls) return;
  const logger = await createLogger({ level: config.logLevel, format: config.logFormat });
  if (config.workers > 1 && cluster.isPrimary) {
    const announced = config;
    return runPrimary({
      ...config,
      logger,
      onListening: (address, movedFrom) =>
        announce(announced, { address: { address: announced.host ?? '::', ...address }, movedFrom }),
    });
  }
  if (cluster.isWorker && process.env[WORKER_PORT_ENV] !== undefined) {
    config = Object.freeze({ ...config, port: Number(process.env[WORKER_PORT_ENV]), portExplicit: true });
  }
  const running = config;
  const aqua = await parseOrExit(NAME, () => createServer(running, tls, logger));
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
    logger.info({ signal, graceSeconds: running.grace }, 'stopping: finishing running responses');
    void aqua.close().then(() => {
      logger.info('stopped');
      logger.flush(() => process.exit(0)); // every buffered line is written before the exit
    });
  });
  if (!cluster.isWorker) announce(config, bound);
}
