import type { AddressInfo } from 'node:net';
import { Command, Option } from 'commander';
import { packageVersion, parseWholeNumber } from '../cli/args.js';
import { fail, onStopSignal, parseOrExit, portProblem, usageOutput, UsageError } from '../cli/run.js';
import type { LevelWithSilent } from 'pino';
import { createLogger, LOG_LEVELS, type LogFormat } from '../log.js';
import {
  createEchoServer,
  formatHostPort,
  DEFAULT_ECHO_PORT,
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  DEFAULT_MAX_LINE,
} from './server.js';

/** What the command line asked for, validated; frozen. */
export interface EchoConfig {
  readonly host: string | undefined;
  readonly port: number;
  readonly idleTimeout: number;
  readonly maxLine: number;
  readonly logLevel: LevelWithSilent;
  readonly logFormat: LogFormat | undefined;
}

/** The options as commander hands them over: strings, not yet checked. */
interface RawOptions {
  host?: string;
  port: string;
  idleTimeout: string;
  maxLine: string;
  logLevel: LevelWithSilent;
  logFormat?: LogFormat;
  quiet?: boolean;
}

const NAME = 'aqua-echo';
const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];

function program(): Command {
  return new Command(NAME)
    .description('A line-echo TCP server: every line a client sends comes straight back, byte for byte.')
    .option('-p, --port <n>', 'TCP port to listen on; 0 takes a free one', String(DEFAULT_ECHO_PORT))
    .option('-H, --host <addr>', 'interface to listen on (default: all interfaces)')
    .option(
      '--idle-timeout <seconds>',
      'close a connection after this long without traffic (fractions allowed)',
      String(DEFAULT_IDLE_TIMEOUT_SECONDS),
    )
    .option(
      '--max-line <bytes>',
      'longest line accepted; a longer one gets an error line and its connection is closed',
      String(DEFAULT_MAX_LINE),
    )
    .addOption(new Option('--log-level <level>', 'least severe log line to print').choices(LOG_LEVELS).default('info'))
    .addOption(
      new Option('--log-format <format>', 'log format (default: pretty on a terminal, json otherwise)').choices(
        LOG_FORMATS,
      ),
    )
    .option('-q, --quiet', 'log nothing and print no banner (same as --log-level silent)')
    .version(packageVersion(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput(usageOutput(NAME));
}

/**
 * Parses and validates the user's arguments (`process.argv.slice(2)`); throws {@link CommanderError} or {@link
 * UsageError}.
 */
export function parseArgs(argv: readonly string[]): EchoConfig {
  return loadConfig(program().parse(argv, { from: 'user' }).opts<RawOptions>());
}

/** {@link parseWholeNumber}, failing as a {@link UsageError}. */
function wholeNumber(text: string, flag: string, min: number, max?: number): number {
  try {
    return parseWholeNumber(text, flag, min, max);
  } catch (err) {
    throw new UsageError((err as RangeError).message);
  }
}

export function loadConfig(raw: RawOptions): EchoConfig {
  const port = wholeNumber(raw.port, '--port', 0, 65535);
  const maxLine = wholeNumber(raw.maxLine, '--max-line', 1);
  if (!/^\d+(\.\d+)?$/.test(raw.idleTimeout) || Number(raw.idleTimeout) <= 0) {
    throw new UsageError(`--idle-timeout must be a positive number of seconds, not '${raw.idleTimeout}'`);
  }
  return Object.freeze({
    host: raw.host,
    port,
    idleTimeout: Number(raw.idleTimeout),
    maxLine,
    logLevel: raw.quiet ? 'silent' : raw.logLevel,
    logFormat: raw.logFormat,
  });
}

/**
 * Runs `aqua-echo` until SIGINT or SIGTERM, then closes every connection and returns, leaving the
 * exit code at 0. Bad input sets exit code 2, a port that cannot be bound exit code 1; each says why in one line.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const config = await parseOrExit(NAME, () => parseArgs(argv));
  if (!config) return;
  const logger = await createLogger({ level: config.logLevel, format: config.logFormat });
  const echo = createEchoServer({ ...config, logger });
  let address: AddressInfo;
  try {
    address = await echo.listen();
  } catch (err) {
    fail(NAME, portProblem(err, config.port, config.host), 1);
    return;
  }
  if (config.logLevel !== 'silent')
    process.stdout.write(`aqua-echo listening on ${formatHostPort(address.address, address.port)}\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => onStopSignal(resolve));
  logger.info({ signal }, 'shutting down');
  await echo.close();
}
