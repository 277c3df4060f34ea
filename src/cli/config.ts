import { loadShareKey, type ShareKey } from './share-key.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseCredentials } from '../server/auth.js';
import type { AquaServerOptions } from '../server/index.js';
import { ConfigError, parseSiteConfig } from '../site/config.js';
import { packageVersion } from './args.js';
import { UsageError, usageOutput } from './run.js';
import { uploadConfig, uploadServeOptions, type UploadConfig } from '../upload/cli.js';
import { DEFAULT_PORT, FILE_SETTABLE, integer, SETTINGS, type Flags, type Setting } from './settings.js';

/** What the command line asked for, validated and frozen: every flag's value, and what follows from them. */
export interface Config extends Readonly<Omit<Flags, 'port' | 'auth' | 'config' | 'shareKey'>> {
  readonly root: string;
  readonly port: number;
  /** The port was given (flag or $PORT): if it is taken, fail instead of picking another. */
  readonly portExplicit: boolean;
  /** `user:password` for HTTP Basic authentication (`--auth` or $AQUA_AUTH); undefined: open to all. */
  readonly auth: string | undefined;
  /** Certificate and key files for HTTPS (HTTP/2 with HTTP/1.1 fallback); undefined: plain HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /** The config file (`--config`, or `aqua.json` in the root), validated at start; `true`: the root's, if any. */
  readonly config: string | true;
  /** The file-settable flags given on the command line (they win over the config file; the others leave it the say). */
  readonly given: ReadonlySet<string>;
  /** `--upload [subfolder]` and its flags, checked; `null`: uploads off. */
  readonly uploads: UploadConfig | null;
  /** With auth: the key share links are signed with (`--share-key`), and where it is kept. */
  readonly share: ShareKey | null;
}

/** The commander program of `aqua-serve`, one option per entry of {@link SETTINGS}. */
export function buildProgram(): Command {
  const program = new Command('aqua-serve')
    .description(
      'Serve a folder over HTTP: a listing page for every folder, every file streamed, seekable and resumable.',
    )
    .argument('[root]', 'folder to serve', '.');
  for (const s of SETTINGS as readonly Setting[]) {
    const option = new Option(s.flags, s.doc);
    if (s.choices) option.choices(s.choices);
    if (s.parse) option.argParser(s.parse.bind(s));
    if (s.default !== undefined && !s.flags.startsWith('--no-')) option.default(s.default);
    program.addOption(option);
  }
  return program
    .version(packageVersion(), '-v, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(usageOutput('aqua-serve'));
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

/** The port: `--port`, else `$PORT`, else the default (which another free port may replace). */
function portOf(flags: Flags, env: NodeJS.ProcessEnv): { port: number; portExplicit: boolean } {
  if (flags.port !== undefined) return { port: flags.port, portExplicit: true };
  if (env.PORT === undefined || env.PORT === '') return { port: DEFAULT_PORT, portExplicit: false };
  try {
    return { port: integer('$PORT', 0, 65535)(env.PORT), portExplicit: true };
  } catch (err) {
    throw new UsageError((err as InvalidArgumentError).message);
  }
}

/** The Basic credentials: `--auth`, else `$AQUA_AUTH`; checked here so a bad pair stops the start. */
function authOf(flags: Flags, env: NodeJS.ProcessEnv): string | undefined {
  const auth = flags.auth ?? (env.AQUA_AUTH === '' ? undefined : env.AQUA_AUTH);
  if (auth === undefined) return undefined;
  try {
    parseCredentials(auth);
  } catch (err) {
    throw new UsageError(`${flags.auth !== undefined ? '--auth' : '$AQUA_AUTH'}: ${(err as Error).message}`);
  }
  return auth;
}

/** Turn parsed flags and the environment into a validated, frozen {@link Config}. */
export async function loadConfig(
  rootArg: string,
  flags: Flags,
  env: NodeJS.ProcessEnv = process.env,
  given: ReadonlySet<string> = new Set(FILE_SETTABLE),
): Promise<Config> {
  const root = path.resolve(rootArg);
  const st = await stat(root).catch(() => null);
  if (!st) throw new UsageError(`root folder not found: ${rootArg}`);
  if (!st.isDirectory()) throw new UsageError(`root is not a folder: ${rootArg}`);
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  const tls =
    flags.tlsCert !== undefined && flags.tlsKey !== undefined
      ? Object.freeze({ certFile: path.resolve(flags.tlsCert), keyFile: path.resolve(flags.tlsKey) })
      : undefined;
  const auth = authOf(flags, env);
  const uploads = await uploadConfig(flags, root, auth).catch((err: unknown) => {
    throw err instanceof RangeError ? new UsageError(err.message) : err;
  });
  return Object.freeze({
    ...flags,
    ...portOf(flags, env),
    root,
    logLevel: flags.quiet ? 'silent' : flags.logLevel,
    auth,
    tls,
    config: await checkSiteConfig(root, flags.config),
    given,
    uploads,
    share: auth ? await loadShareKey(flags.shareKey, root, env) : null,
  });
}

/** Parse argv into a config, or throw: a UsageError, or a CommanderError for help/version/bad flags. */
export async function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const program = buildProgram();
  program.parse(argv as string[], { from: 'user' });
  const given = new Set(FILE_SETTABLE.filter((key) => program.getOptionValueSource(key) === 'cli'));
  const flags = program.opts<Flags>();
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

/**
 * The options of `createAquaServer` the config asks for, each from its setting's `server` mapping. A file-settable
 * flag not given on the command line is left out, so that aqua.json (and then the default) decides.
 */
export function serverOptions(config: Config): AquaServerOptions {
  const options: AquaServerOptions = {
    root: config.root,
    auth: config.auth,
    shareKey: config.share?.key,
    config: config.config,
    ...uploadServeOptions(config.uploads),
  };
  const values = config as unknown as Record<string, unknown>;
  for (const s of SETTINGS as readonly Setting[]) {
    if (!s.server || (s.file && !config.given.has(s.key))) continue;
    Object.assign(options, s.server(values[s.key]));
  }
  return options;
}
