import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { createLogger } from '../log.js';
import type { TlsOptions } from '../server/index.js';
import { announce } from './banner.js';
import { parseArgs } from './config.js';
import { parseOrExit, UsageError } from './run.js';
import { runPrimary, WORKER_PORT_ENV } from './workers.js';

export { buildProgram, loadConfig, parseArgs, type Config } from './config.js';
export { UsageError } from './run.js';

const NAME = 'aqua-serve';

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
  const { runServer } = await import('./server.js'); // not in the primary: it never serves a request
  await runServer(config, tls, logger);
}
