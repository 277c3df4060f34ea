import { pino, type Logger, type LevelWithSilent } from 'pino';

/** A pino logger: what {@link createLogger} makes and what the `logger` options take (any pino logger works). */
export type { Logger } from 'pino';

/** How log lines look: `pretty` for people, `json` for one JSON object per line (`--log-format`). */
export type LogFormat = 'pretty' | 'json';
export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Options of {@link createLogger}, as the CLI's `--log-level` and `--log-format` set them. */
export interface LogOptions {
  /**
   * pino level (`--log-level`): `fatal`, `error`, `warn`, `info` (a line per response), `debug`, `trace`; `silent`
   * turns logging off.
   */
  level: LevelWithSilent;
  /**
   * `pretty` for humans, `json` for one JSON object per line (`--log-format`). Default: pretty when stdout is a TTY,
   * else json.
   */
  format?: LogFormat;
  /** File descriptor the lines go to. Default 1 (stdout). */
  destination?: number;
}

/** The format a terminal gets when none is asked for: pretty on a TTY, JSON lines otherwise. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/**
 * The logger the CLI uses, for `createAquaServer({ logger })` or `serveDirectory(root, { logger })`.
 * One logger for the process. JSON lines go through an asynchronous pino destination that writes each
 * line at once, or with those queued behind a write in flight (never held back for a batch to fill);
 * pretty output goes through pino-pretty in the same thread (no worker thread to leak at exit).
 */
export async function createLogger(options: LogOptions): Promise<Logger> {
  const format = options.format ?? defaultLogFormat();
  const fd = options.destination ?? 1;
  if (options.level === 'silent') return pino({ level: 'silent' });
  if (format === 'pretty') {
    const { default: pretty } = await import('pino-pretty');
    const stream = pretty({
      destination: fd,
      colorize: fd === 1 ? Boolean(process.stdout.isTTY) : false,
      translateTime: 'HH:MM:ss',
      ignore: 'pid,hostname',
      sync: true,
    });
    return pino({ level: options.level }, stream);
  }
  // minLength 0: a line is written as soon as no write is in flight, so lines queued during one write go
  // out together in the next (batches under load, at once at a low rate). What is left is written at exit.
  const destination = pino.destination({ dest: fd, sync: false, minLength: 0 });
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // Nothing more can be done for a log that cannot be written at exit.
    }
  });
  return pino({ level: options.level, base: undefined }, destination);
}

/** A logger that drops everything: the default for library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
