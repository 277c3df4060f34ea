import { SERVE_DEFAULTS, type HeaderRule } from '../handler/options.js';
import { LOG_LEVELS, type LogFormat } from '../log.js';
import { commanderParser, integer, optional, seconds, setting, type Setting } from './setting.js';
import { UsageError } from './run.js';
import { parseWorkers } from './workers.js';
import { parseDuration, parseSize } from '../upload/options.js';
import { TRANSCODE_QUALITIES, type TranscodeQuality } from '../media/args.js';

export { commanderParser, integer, seconds, type Setting } from './setting.js';

/** `--header 'Name: value'` as a header rule for every path; a malformed one is a usage error. */
function headerRule(value: string): HeaderRule {
  const colon = value.indexOf(':');
  const name = colon > 0 ? value.slice(0, colon).trim() : '';
  const text = colon > 0 ? value.slice(colon + 1).trim() : '';
  const control = [...text].some((c) => (c < ' ' && c !== '\t') || c === '\x7f');
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || control)
    throw new UsageError(`--header must be "Name: value", got ${JSON.stringify(value)}`);
  return { source: '/**', headers: { [name]: text } };
}

/** The port used when neither `--port` nor `$PORT` names one. */
export const DEFAULT_PORT = 5000;
/** The largest delta-seconds a cache must understand (RFC 9111 §1.2.2). */
const MAX_CACHE_SECONDS = 2 ** 31;
const MIB = 1024 * 1024;

/** Every flag of `aqua-serve`, in `--help` order. */
export const SETTINGS = [
  optional({
    key: 'port',
    flags: '-p, --port <n>',
    doc: `port to listen on (default ${DEFAULT_PORT}, or $PORT; 0 picks a free port)`,
    parse: integer('port', 0, 65535),
  }),
  optional<'host', string>({
    key: 'host',
    flags: '-H, --host <addr>',
    doc: 'address to listen on (default: all interfaces, IPv6 and IPv4)',
  }),
  setting({
    key: 'dotfiles',
    flags: '--dotfiles',
    doc: 'serve and list dotfiles and dot-folders (hidden by default: 404)',
    default: SERVE_DEFAULTS.dotfiles,
    file: true,
    server: (dotfiles) => ({ dotfiles }),
  }),
  setting({
    key: 'index',
    flags: '--no-index',
    doc: 'always list folders, even those with an index.html',
    default: SERVE_DEFAULTS.index,
    file: true,
    server: (index) => ({ index }),
  }),
  setting({
    key: 'listing',
    flags: '--no-listing',
    doc: 'never list folders (404 for a folder without index.html)',
    default: SERVE_DEFAULTS.listing,
    file: true,
    server: (listing) => ({ listing }),
  }),
  setting({
    key: 'followSymlinks',
    flags: '--follow-symlinks',
    doc: 'serve symlinks whose target is outside the root (404 by default)',
    default: SERVE_DEFAULTS.followSymlinks,
    file: true,
    server: (followSymlinks) => ({ followSymlinks }),
  }),
  setting({
    key: 'memoryCache',
    flags: '--memory-cache <MiB>',
    doc: 'memory for file blocks shared by all responses (0 turns it off)',
    default: SERVE_DEFAULTS.memoryCacheBytes / MIB,
    parse: integer('--memory-cache', 0, 65_536),
    server: (mib) => ({ memoryCacheBytes: mib * MIB }),
  }),
  setting({
    key: 'cors',
    flags: '--cors',
    doc: 'send Access-Control-Allow-Origin: * and answer CORS preflights',
    default: SERVE_DEFAULTS.cors,
    file: true,
    server: (cors) => ({ cors }),
  }),
  setting({
    key: 'archives',
    flags: '--no-archives',
    doc: 'no folder downloads (?download=zip|tar and the "Download folder" button)',
    default: SERVE_DEFAULTS.archives,
    server: (archives) => ({ archives }),
  }),
  setting({
    key: 'archiveMaxFiles',
    flags: '--archive-max-files <n>',
    doc: 'most files and folders in one folder download; a bigger folder answers 403',
    default: SERVE_DEFAULTS.archiveMaxFiles,
    parse: integer('--archive-max-files', 1, 10_000_000),
    server: (archiveMaxFiles) => ({ archiveMaxFiles }),
  }),
  setting({
    key: 'archiveGzip',
    flags: '--archive-gzip',
    doc: 'also offer ?download=tar.gz (costs CPU; no Content-Length, no resume)',
    default: SERVE_DEFAULTS.archiveGzip,
    server: (archiveGzip) => ({ archiveGzip }),
  }),
  optional<'spa', boolean | string>({
    key: 'spa',
    flags: '--spa [file]',
    doc: 'single-page app: HTML navigations to missing extension-less paths get /index.html (or this .html file)',
    server: (spa) => ({ spa }),
  }),
  setting({
    key: 'compress',
    flags: '--no-compress',
    doc: 'no brotli/gzip: neither precompressed .br/.zst/.gz siblings nor on the fly',
    default: true,
    // Left to the config file (and its default, on) unless turned off here.
    server: (compress) => ({ compress: compress ? undefined : false }),
  }),
  optional<'header', readonly HeaderRule[]>({
    key: 'header',
    flags: '--header <"Name: value">',
    doc: 'add this response header to every answer (repeatable)',
    parse: (value, previous) => [...(previous ?? []), headerRule(value)],
    server: (headers) => ({ headers }), // none given: undefined, and the site config has nothing to check
  }),
  optional<'config', string>({
    key: 'config',
    flags: '--config <file>',
    doc: 'site config (headers, redirects, rewrites, clean URLs…); default: aqua.json in root',
  }),
  optional({
    key: 'cache',
    flags: '--cache <seconds>',
    doc: 'Cache-Control: public, max-age=N for files (default: clients revalidate each time, shared caches after 1 s, answered by a cheap 304)',
    parse: integer('--cache', 0, MAX_CACHE_SECONDS),
    file: true,
    server: (cacheSeconds) => ({ cacheSeconds: cacheSeconds ?? null }),
  }),
  optional<'ffmpeg', string>({
    key: 'ffmpeg',
    flags: '--ffmpeg <path>',
    doc: 'ffmpeg to use for thumbnails and playing what the browser cannot (ffprobe beside it); default: on the PATH',
    server: (ffmpeg) => ({ ffmpeg: ffmpeg ?? true }),
  }),
  setting({
    key: 'transcodes',
    flags: '--transcodes <n>',
    doc: 'conversions for the player at a time (default: one per two cores)',
    default: SERVE_DEFAULTS.transcodes,
    parse: integer('--transcodes', 1, 256),
    server: (transcodes) => ({ transcodes }),
  }),
  setting<'transcodeQuality', TranscodeQuality>({
    key: 'transcodeQuality',
    flags: '--transcode-quality <level>',
    doc: 'low (480p, fastest), medium (720p) or high (1080p, slowest)',
    default: SERVE_DEFAULTS.transcodeQuality,
    choices: TRANSCODE_QUALITIES,
    server: (transcodeQuality) => ({ transcodeQuality }),
  }),
  optional<'cacheDir', string>({
    key: 'cacheDir',
    flags: '--cache-dir <dir>',
    doc: 'folder for thumbnails and converted segments, outside the root (default: $XDG_CACHE_HOME/aqua-serve or ~/.cache/aqua-serve)',
    server: (cacheDir) => (cacheDir === undefined ? {} : { cacheDir }),
  }),
  setting({
    key: 'maxConnections',
    flags: '--max-connections <n>',
    doc: 'connections beyond this get a quick 503 and are closed',
    default: 10_000,
    parse: integer('--max-connections', 1, 1_000_000),
    server: (maxConnections) => ({ maxConnections }),
  }),
  setting({
    key: 'sendTimeout',
    flags: '--send-timeout <seconds>',
    doc: 'drop a connection that has read nothing for this long',
    default: 300,
    parse: seconds('--send-timeout'),
    server: (s) => ({ timeouts: { sendMs: s * 1000 } }),
  }),
  setting({
    key: 'workers',
    flags: '--workers <n|auto>',
    doc: 'serve from this many processes sharing one socket (auto: one per core)',
    default: 1,
    parse: commanderParser(parseWorkers, '--workers'),
  }),
  optional<'auth', string>({
    key: 'auth',
    flags: '--auth <user:password>',
    doc: 'require HTTP Basic authentication for everything (or set $AQUA_AUTH, which keeps the password out of `ps`)',
  }),
  optional<'shareKey', string>({
    key: 'shareKey',
    flags: '--share-key <file>',
    doc: 'with --auth: the secret that signs share links (?token=), kept outside the served folder (default: ~/.config/aqua-serve/share.key, made on first use)',
  }),
  optional<'upload', boolean | string>({
    key: 'upload',
    flags: '--upload [subfolder]',
    doc: 'accept uploads (curl -T, tus clients) anywhere, or only into this folder of the root; needs --auth',
  }),
  optional<'uploadOverwrite', boolean>({
    key: 'uploadOverwrite',
    flags: '--upload-overwrite',
    doc: 'an upload replaces a file of the same name (default: "name (1).ext")',
  }),
  optional<'uploadMaxSize', number>({
    key: 'uploadMaxSize',
    flags: '--upload-max-size <size>',
    doc: 'largest upload, in bytes or with k/M/G/T (e.g. 20G); larger is 413',
    parse: commanderParser(parseSize, '--upload-max-size'),
  }),
  optional<'uploadExpire', number>({
    key: 'uploadExpire',
    flags: '--upload-expire <duration>',
    doc: 'remove unfinished uploads this long after their last byte: seconds, or 90m, 36h, 7d (default 24h)',
    parse: commanderParser(parseDuration, '--upload-expire'),
  }),
  optional<'uploadAnonymous', boolean>({
    key: 'uploadAnonymous',
    flags: '--upload-anonymous',
    doc: 'accept uploads without --auth: anyone who reaches the server may upload',
  }),
  setting({
    key: 'webdav',
    flags: '--webdav',
    doc: 'WebDAV, to mount the folder (Finder, Explorer, GNOME, davfs2, rclone): read-only, read-write with --upload',
    default: SERVE_DEFAULTS.webdav,
    server: (webdav) => ({ webdav }),
  }),
  optional<'tlsCert', string>({
    key: 'tlsCert',
    flags: '--tls-cert <file>',
    doc: 'serve HTTPS (HTTP/2, HTTP/1.1 fallback) with this PEM certificate chain; needs --tls-key',
  }),
  optional<'tlsKey', string>({ key: 'tlsKey', flags: '--tls-key <file>', doc: 'PEM private key of --tls-cert' }),
  setting({
    key: 'grace',
    flags: '--grace <seconds>',
    doc: 'on SIGINT/SIGTERM, time given to running downloads before connections are closed',
    default: 10,
    parse: seconds('--grace'),
    server: (graceSeconds) => ({ graceSeconds }),
  }),
  setting({
    key: 'qr',
    flags: '--qr',
    doc: 'print a QR code of the network URL on start, for a phone or a TV to scan',
    default: false,
  }),
  setting({ key: 'open', flags: '--open', doc: 'open the listing in the default browser on start', default: false }),
  setting<'logLevel', (typeof LOG_LEVELS)[number]>({
    key: 'logLevel',
    flags: '--log-level <level>',
    doc: 'log level',
    default: 'info',
    choices: LOG_LEVELS,
  }),
  optional<'logFormat', LogFormat>({
    key: 'logFormat',
    flags: '--log-format <format>',
    doc: 'log format (default: pretty on a terminal, json otherwise)',
    choices: ['pretty', 'json'],
  }),
  setting({
    key: 'quiet',
    flags: '-q, --quiet',
    doc: 'log nothing and print no banner (same as --log-level silent)',
    default: false,
  }),
] as const;

type AnySetting = (typeof SETTINGS)[number];

/** The value of every flag, as commander hands them over once parsed. */
export type Flags = { -readonly [S in AnySetting as S['key']]: S extends Setting<string, infer T> ? T : never };

/** The keys of the settings aqua.json may also set. */
export const FILE_SETTABLE: readonly string[] = SETTINGS.filter((s) => 'file' in s && s.file).map((s) => s.key);
