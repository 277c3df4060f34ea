import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import os from 'node:os';
import type { Logger } from '../log.js';

/** Environment variable through which the primary tells its workers the port to share. */
export const WORKER_PORT_ENV = 'AQUA_WORKER_PORT';

/** `--workers <n|auto>`: `auto` is one worker per core this process may use. */
export function parseWorkers(value: string): number {
  if (value === 'auto') return os.availableParallelism();
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 256)
    throw new RangeError('--workers must be "auto" or a whole number from 1 to 256.');
  return n;
}

/** Whether `port` can be bound on `host` right now (the default port may be taken). */
function portIsFree(port: number, host: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly port: number;
  readonly portExplicit: boolean;
  readonly host: string | undefined;
  readonly logger: Logger;
  /** Called once, when the first worker listens: print the banner. */
  readonly onListening: (address: { port: number; family: string }, movedFrom?: number) => void;
}

/**
 * The primary of `--workers`: forks the workers, which share one listening socket through
 * node:cluster, replaces a worker that dies, and on SIGINT/SIGTERM passes the signal on and exits 0
 * once every worker has finished its graceful stop. A second SIGINT ends everything at once.
 */
export async function runPrimary(options: PrimaryOptions): Promise<void> {
  const { logger } = options;
  let port = options.port;
  let movedFrom: number | undefined;
  if (!options.portExplicit && !(await portIsFree(port, options.host))) {
    movedFrom = port;
    port = 0; // workers listening on port 0 in a cluster share one free port
  }
  let listening = false;
  let stopping = false;
  const fork = (): Worker => cluster.fork({ [WORKER_PORT_ENV]: String(port) });

  cluster.on('listening', (_worker, address) => {
    if (listening) return;
    listening = true;
    options.onListening({ port: address.port, family: address.addressType === 6 ? 'IPv6' : 'IPv4' }, movedFrom);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('stopped');
        logger.flush(() => process.exit(0));
      }
      return;
    }
    if (!listening) {
      // A worker that could not even listen (port taken, no permission) has said why: stop here.
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGKILL');
      process.exit(code || 1);
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    fork();
  });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      if (signal === 'SIGINT') {
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
        process.exit(130);
      }
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  for (let i = 0; i < options.workers; i++) fork();
}
