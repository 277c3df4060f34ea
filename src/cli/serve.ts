import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { packageVersion, parseWholeNumber } from './args.js';
import cluster from 'node:cluster';
import { readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { DEFAULT_ARCHIVE_MAX_FILES } from '../handler/options.js';
import { createLogger, LOG_LEVELS, type LogFormat, type Logger } from '../log.js';
import { parseCredentials } from '../server/auth.js';
import type http from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import { createAquaServer, type AquaServer, type AquaServerOptions, type TlsOptions } from '../server/index.js';
import type { HeaderRule } from '../handler/options.js';
import { ConfigError, parseSiteConfig } from '../site/config.js';
import { openBrowser, printQr } from './terminal.js';
import { parseWorkers, runPrimary, WORKER_PORT_ENV } from './workers.js';
import { uploadBanner, uploadConfig, uploadOptions, uploadServeOptions } from '../upload/cli.js';
import type { UploadConfig, UploadFlags } from '../upload/cli.js';

/** The server the CLI runs: plain HTTP, or HTTPS with --tls-cert/--tls-key. */
type AnyAquaServer = AquaServer<http.Server | Http2SecureServer>;

/** What the command line asked for, validated and frozen. */
export interface Config {
  readonly root: string;
  readonly port: number;
  /** The port was given (flag or $PORT): if it is taken, fail instead of picking another. */
  readonly portExplicit: boolean;
  readonly host: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly logFormat: LogFormat | undefined;
  readonly dotfiles: boolean;
  readonly index: boolean;
  readonly listing: boolean;
  readonly followSymlinks: boolean;
  readonly cors: boolean;
  /** `Cache-Control: public, max-age=N` for files; `null` → the default policy (see `fileCacheControl`). */
  readonly cacheSeconds: number | null;
  /** Bytes of file blocks kept in memory and shared by all responses (`--memory-cache`, in MiB). */
  readonly memoryCacheBytes: number;
  /** Folder archives (`?download=zip|tar`, the "Download folder" button); `--no-archives` turns them off. */
  readonly archives: boolean;
  /** Most entries in one archive (`--archive-max-files`). */
  readonly archiveMaxFiles: number;
  /** Also offer `?download=tar.gz` (`--archive-gzip`). */
  readonly archiveGzip: boolean;
  readonly graceSeconds: number;
  readonly maxConnections: number;
  readonly sendTimeoutSeconds: number;
  /** Processes serving the one listening socket (1: no cluster). */
  readonly workers: number;
  /** `user:password` for HTTP Basic authentication (`--auth` or $AQUA_AUTH); undefined: open to all. */
  readonly auth: string | undefined;
  /** Certificate and key files for HTTPS (HTTP/2 with HTTP/1.1 fallback); undefined: plain HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** Print a QR code of the LAN URL on start. */
  readonly qr: boolean;
  /** Open the local URL in the default browser on start. */
  readonly open: boolean;
  /** `--spa [file]`: `true` for `/index.html`, a path for another entry; undefined: off unless the config says. */
  readonly spa: boolean | string | undefined;
  /** `--no-compress` gives `false`; undefined: on unless the config says. */
  readonly compress: false | undefined;
  /** `--header 'Name: value'`, each for every path. */
  readonly headers: readonly HeaderRule[];
  /** The config file (`--config`, or `aqua.json` in the root), validated at start; `true`: the root's, if any. */
  readonly config: string | true;
  /** The serve flags given on the command line (they win over the config file; the others leave it the say). */
  readonly given: ReadonlySet<string>;
  /** `--upload [subfolder]` and its flags; `null`: uploads off. */
  readonly upload: UploadConfig | null;
}

/** The flags a config file may also set. */
const FILE_SETTABLE = ['dotfiles', 'index', 'listing', 'followSymlinks', 'cors', 'cache'] as const;

/** A problem with the command line: one line on stderr, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

const DEFAULT_PORT = 5000;
/** The largest delta-seconds a cache must understand (RFC 9111 §1.2.2). */
const MAX_CACHE_SECONDS = 2 ** 31;

const version = packageVersion;

/** A commander argument parser for a whole number within `min`–`max`. */
function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    try {
      return parseWholeNumber(value, name, min, max);
    } catch (err) {
      throw new InvalidArgumentError((err as RangeError).message);
    }
  };
}

function seconds(name: string): (value: string) => number {
  return (value) => {
    const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number of seconds.`);
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command('aqua-serve')
    .description(
      'Serve a folder over HTTP: a listing page for every folder, every file streamed, seekable and resumable.',
    )
    .argument('[root]', 'folder to serve', '.')
    .option(
      '-p, --port <n>',
      `port to listen on (default ${DEFAULT_PORT}, or $PORT; 0 picks a free port)`,
      integer('port', 0, 65535),
    )
    .option('-H, --host <addr>', 'address to listen on (default: all interfaces, IPv6 and IPv4)')
    .option('--dotfiles', 'serve and list dotfiles and dot-folders (hidden by default: 404)', false)
    .option('--no-index', 'always list folders, even those with an index.html')
    .option('--no-listing', 'never list folders (404 for a folder without index.html)')
    .option('--follow-symlinks', 'serve symlinks whose target is outside the root (404 by default)', false)
    .option(
      '--memory-cache <MiB>',
      'memory for file blocks shared by all responses (0 turns it off)',
      integer('--memory-cache', 0, 65_536),
      64,
    )
    .option('--cors', 'send Access-Control-Allow-Origin: * and answer CORS preflights', false)
    .option('--no-archives', 'no folder downloads (?download=zip|tar and the "Download folder" button)')
    .option(
      '--archive-max-files <n>',
      'most files and folders in one folder download; a bigger folder answers 403',
      integer('--archive-max-files', 1, 10_000_000),
      DEFAULT_ARCHIVE_MAX_FILES,
    )
    .option('--archive-gzip', 'also offer ?download=tar.gz (costs CPU; no Content-Length, no resume)', false)
    .option(
      '--spa [file]',
      'single-page app: HTML navigations to missing extension-less paths get /index.html (or this .html file)',
    )
    .option('--no-compress', 'no brotli/gzip: neither precompressed .br/.zst/.gz siblings nor on the fly')
    .option(
      '--header <"Name: value">',
      'add this response header to every answer (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--config <file>', 'site config (headers, redirects, rewrites, clean URLs…); default: aqua.json in root')
    .option(
      '--cache <seconds>',
      'Cache-Control: public, max-age=N for files (default: clients revalidate each time, shared caches after 1 s, answered by a cheap 304)',
      integer('--cache', 0, MAX_CACHE_SECONDS),
    )
    .option(
      '--max-connections <n>',
      'connections beyond this get a quick 503 and are closed',
      integer('--max-connections', 1, 1_000_000),
      10_000,
    )
    .option(
      '--send-timeout <seconds>',
      'drop a connection that has read nothing for this long',
      seconds('--send-timeout'),
      300,
    )
    .option(
      '--workers <n|auto>',
      'serve from this many processes sharing one socket (auto: one per core)',
      (v: string) => {
        try {
          return parseWorkers(v);
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
      },
      1,
    )
    .option(
      '--auth <user:password>',
      'require HTTP Basic authentication for everything (or set $AQUA_AUTH, which keeps the password out of `ps`)',
    );
  for (const option of uploadOptions()) program.addOption(option);
  return program
    .option(
      '--tls-cert <file>',
      'serve HTTPS (HTTP/2, HTTP/1.1 fallback) with this PEM certificate chain; needs --tls-key',
    )
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--grace <seconds>',
      'on SIGINT/SIGTERM, time given to running downloads before connections are closed',
      seconds('--grace'),
      10,
    )
    .option('--qr', 'print a QR code of the network URL on start, for a phone or a TV to scan', false)
    .option('--open', 'open the listing in the default browser on start', false)
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS as string[]).default('info'))
    .addOption(
      new Option('--log-format <format>', 'log format (default: pretty on a terminal, json otherwise)').choices([
        'pretty',
        'json',
      ]),
    )
    .option('-q, --quiet', 'log nothing and print no banner (same as --log-level silent)', false)
    .version(version(), '-v, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) =>
        write(
          `aqua-serve: ${s
            .trim()
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')}\n`,
        ),
    });
}

interface ParsedFlags extends UploadFlags {
  port?: number;
  host?: string;
  dotfiles: boolean;
  index: boolean;
  listing: boolean;
  followSymlinks: boolean;
  cors: boolean;
  memoryCache: number;
  archives: boolean;
  archiveMaxFiles: number;
  archiveGzip: boolean;
  cache?: number;
  maxConnections: number;
  sendTimeout: number;
  grace: number;
  workers: number;
  auth?: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat?: LogFormat;
  quiet: boolean;
  qr: boolean;
  open: boolean;
  spa?: boolean | string;
  compress: boolean;
  header?: string[];
  config?: string;
}

/** `--header 'Name: value'` as a header rule for every path; a malformed one is a usage error. */
function headerRules(values: readonly string[]): HeaderRule[] {
  return values.map((value) => {
    const colon = value.indexOf(':');
    const name = colon > 0 ? value.slice(0, colon).trim() : '';
    const text = colon > 0 ? value.slice(colon + 1).trim() : '';
    const control = [...text].some((c) => (c < ' ' && c !== '\t') || c === '\x7f');
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || control)
      throw new UsageError(`--header must be "Name: value", got ${JSON.stringify(value)}`);
    return { source: '/**', headers: { [name]: text } };
  });
}

/** Read and validate the config file now, so that a bad one stops the start with every problem named. */
async function checkSiteConfig(root: string, explicit: string | undefined): Promise<string | true> {
  const file = explicit === undefined ? path.join(root, 'aqua.json') : path.resolve(explicit);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (explicit === undefined && err.code === 'ENOENT') return null;
    throw new UsageError(`cannot read --config ${explicit} (${err.code ?? 'error'})`);
  });
  if (text !== null) {
    try {
      parseSiteConfig(text, explicit ?? path.join(path.basename(root), 'aqua.json'));
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
  }
  return explicit === undefined ? true : file;
}

/** Turn parsed flags and the environment into a validated, frozen {@link Config}. */
export async function loadConfig(
  rootArg: string,
  flags: ParsedFlags,
  env: NodeJS.ProcessEnv = process.env,
  given: ReadonlySet<string> = new Set(FILE_SETTABLE),
): Promise<Config> {
  const root = path.resolve(rootArg);
  const st = await stat(root).catch(() => null);
  if (!st) throw new UsageError(`root folder not found: ${rootArg}`);
  if (!st.isDirectory()) throw new UsageError(`root is not a folder: ${rootArg}`);
  let port = flags.port;
  let portExplicit = port !== undefined;
  if (port === undefined && env.PORT !== undefined && env.PORT !== '') {
    try {
      port = integer('$PORT', 0, 65535)(env.PORT);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    portExplicit = true;
  }
  const auth = flags.auth ?? (env.AQUA_AUTH === '' ? undefined : env.AQUA_AUTH);
  if (auth !== undefined) {
    try {
      parseCredentials(auth);
    } catch (err) {
      throw new UsageError(`${flags.auth !== undefined ? '--auth' : '$AQUA_AUTH'}: ${(err as Error).message}`);
    }
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  const upload = await uploadConfig(flags, root, auth).catch((err: unknown) => {
    throw err instanceof RangeError ? new UsageError(err.message) : err;
  });
  const tls =
    flags.tlsCert !== undefined && flags.tlsKey !== undefined
      ? Object.freeze({ certFile: path.resolve(flags.tlsCert), keyFile: path.resolve(flags.tlsKey) })
      : undefined;
  return Object.freeze({
    root,
    port: port ?? DEFAULT_PORT,
    portExplicit,
    host: flags.host,
    logLevel: flags.quiet ? 'silent' : flags.logLevel,
    logFormat: flags.logFormat,
    dotfiles: flags.dotfiles,
    index: flags.index,
    listing: flags.listing,
    followSymlinks: flags.followSymlinks,
    cors: flags.cors,
    cacheSeconds: flags.cache ?? null,
    memoryCacheBytes: flags.memoryCache * 1024 * 1024,
    archives: flags.archives,
    archiveMaxFiles: flags.archiveMaxFiles,
    archiveGzip: flags.archiveGzip,
    graceSeconds: flags.grace,
    maxConnections: flags.maxConnections,
    sendTimeoutSeconds: flags.sendTimeout,
    workers: flags.workers,
    auth,
    tls,
    qr: flags.qr,
    open: flags.open,
    spa: flags.spa,
    compress: flags.compress ? undefined : false,
    headers: headerRules(flags.header ?? []),
    config: await checkSiteConfig(root, flags.config),
    given,
    upload,
  });
}

/** Parse argv into a config, or throw: a UsageError, or a CommanderError for help/version/bad flags. */
export async function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const program = buildProgram();
  program.parse(argv as string[], { from: 'user' });
  const given = new Set(FILE_SETTABLE.filter((key) => program.getOptionValueSource(key) === 'cli'));
  const flags = program.opts<ParsedFlags>();
  let root = program.processedArgs[0] as string;
  // `aqua-serve --spa dist`: the optional value took the root. Only an .html value names the SPA entry.
  if (typeof flags.spa === 'string' && !/\.html?$/i.test(flags.spa)) {
    if (program.args.length > 0) throw new UsageError(`--spa takes an .html file, got ${JSON.stringify(flags.spa)}`);
    root = flags.spa;
    flags.spa = true;
  } else if (typeof flags.spa === 'string' && !flags.spa.startsWith('/')) {
    flags.spa = `/${flags.spa}`;
  }
  return loadConfig(root, flags, env, given);
}

/** Listen on the configured port; if the default port is taken and none was asked for, take a free one. */
async function listen(aqua: AnyAquaServer, config: Config): Promise<{ address: AddressInfo; movedFrom?: number }> {
  const tryListen = async (port: number): Promise<AddressInfo> => {
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

/** Read the PEM files of --tls-cert/--tls-key; a file that cannot be read is a one-line error. */
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

function urls(
  address: AddressInfo,
  host: string | undefined,
  scheme: 'http' | 'https',
): { local: string; lan: string[] } {
  const fmt = (h: string): string => `${scheme}://${h.includes(':') ? `[${h}]` : h}:${address.port}/`;
  const wildcard = !host || host === '0.0.0.0' || host === '::';
  if (!wildcard) return { local: fmt(host), lan: [] };
  const lan: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') lan.push(fmt(a.address));
      else if (address.family === 'IPv6' && !a.address.startsWith('fe80')) lan.push(fmt(a.address));
    }
  }
  return { local: fmt('localhost'), lan };
}

/** Run the CLI; resolves once the server is listening. Exits the process on errors and signals. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let config: Config;
  try {
    config = await parseArgs(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`aqua-serve: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  let tls: TlsOptions | undefined;
  if (config.tls) {
    try {
      tls = await readTls(config.tls);
    } catch (err) {
      process.stderr.write(`aqua-serve: ${(err as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
  }
  const logger: Logger = await createLogger({ level: config.logLevel, format: config.logFormat });
  if (config.workers > 1 && cluster.isPrimary) {
    return runPrimary({
      ...config,
      logger,
      onListening: (address, movedFrom) =>
        announce(config, { address: { address: config.host ?? '::', ...address }, movedFrom }),
    });
  }
  if (cluster.isWorker && process.env[WORKER_PORT_ENV] !== undefined) {
    config = Object.freeze({ ...config, port: Number(process.env[WORKER_PORT_ENV]), portExplicit: true });
  }
  // A serve flag not given leaves the say to the config file (and to the defaults after it).
  const flag = <T>(key: (typeof FILE_SETTABLE)[number], value: T): T | undefined =>
    config.given.has(key) ? value : undefined;
  const serverOptions: AquaServerOptions = {
    root: config.root,
    dotfiles: flag('dotfiles', config.dotfiles),
    index: flag('index', config.index),
    listing: flag('listing', config.listing),
    followSymlinks: flag('followSymlinks', config.followSymlinks),
    cors: flag('cors', config.cors),
    cacheSeconds: flag('cache', config.cacheSeconds),
    spa: config.spa,
    compress: config.compress,
    headers: config.headers,
    config: config.config,
    // Each worker has its own cache: together they keep to the budget asked for.
    memoryCacheBytes: cluster.isWorker ? Math.floor(config.memoryCacheBytes / config.workers) : config.memoryCacheBytes,
    archives: config.archives,
    archiveMaxFiles: config.archiveMaxFiles,
    archiveGzip: config.archiveGzip,
    maxConnections: config.maxConnections,
    graceSeconds: config.graceSeconds,
    timeouts: { sendMs: config.sendTimeoutSeconds * 1000 },
    auth: config.auth,
    ...uploadServeOptions(config.upload),
    logger,
  };
  let aqua: AnyAquaServer;
  try {
    aqua = tls ? createAquaServer({ ...serverOptions, tls }) : createAquaServer(serverOptions);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`aqua-serve: ${err.message}\n`); // the config file changed since it was checked
      process.exitCode = 2;
      return;
    }
    // A certificate or key that node:tls cannot use.
    process.stderr.write(`aqua-serve: cannot use --tls-cert/--tls-key: ${(err as Error).message.split('\n')[0]}\n`);
    process.exitCode = 2;
    return;
  }
  let bound: Awaited<ReturnType<typeof listen>>;
  try {
    bound = await listen(aqua, config);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'is already in use'
        : code === 'EACCES'
          ? 'needs more privileges'
          : `cannot be used (${code ?? 'error'})`;
    process.stderr.write(`aqua-serve: port ${config.port} on ${config.host ?? 'all interfaces'} ${why}\n`);
    process.exitCode = 1;
    return;
  }
  // Signals first: whoever reads the banner may stop the server at once, and must get a clean exit.
  handleSignals(aqua, logger, config);
  if (!cluster.isWorker) announce(config, bound);
}

/** What the terminal shows once the server listens: the banner, then the QR code (`--qr`), and `--open`. */
function announce(config: Config, bound: { address: AddressInfo; movedFrom?: number }): void {
  if (config.logLevel !== 'silent') printBanner(config, bound);
  const { local, lan } = urls(bound.address, config.host, config.tls ? 'https' : 'http');
  if (config.qr) {
    // Asked for explicitly, so printed even with --quiet. IPv4 first: phones type and scan it best.
    const target = lan.find((u) => !u.includes('[')) ?? lan[0] ?? local;
    process.stdout.write(`  Scan to open ${target}\n`);
    printQr(target, process.stdout);
  }
  if (config.open) openBrowser(local);
}

function printBanner(config: Config, bound: { address: AddressInfo; movedFrom?: number }): void {
  const { local, lan } = urls(bound.address, config.host, config.tls ? 'https' : 'http');
  const lines = [`aqua-serve ${version()} serving ${config.root}`];
  if (bound.movedFrom !== undefined)
    lines.push(`  port ${bound.movedFrom} is in use; took free port ${bound.address.port} instead`);
  lines.push(`  Local:   ${local}`);
  for (const url of lan) lines.push(`  Network: ${url}`);
  lines.push(...uploadBanner(config.upload));
  process.stdout.write(lines.join('\n') + '\n');
}

function handleSignals(aqua: AnyAquaServer, logger: Logger, config: Config): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    stopping = true;
    logger.info({ signal, graceSeconds: config.graceSeconds }, 'stopping: finishing running responses');
    void aqua.close().then(() => {
      logger.info('stopped');
      logger.flush(() => process.exit(0)); // every buffered line is written before the exit
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
