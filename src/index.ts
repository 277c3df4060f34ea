/**
 * aqua-serve as a library. The public API is exactly what this file exports:
 * - {@link serveDirectory}: a `(req, res, next?)` handler for `node:http`, Express and connect;
 * - {@link createAquaServer}: aqua's HTTP server for a folder or for any request handler;
 * - {@link createLogger} / {@link silentLogger}: the CLI's pino logger, for the `logger` options.
 *
 * The line-echo TCP server behind `aqua-echo` is its own entry, `aqua-serve/echo` (src/echo/index.ts).
 *
 * @packageDocumentation
 */
export { serveDirectory } from './handler/index.js';
export type { AquaHandler, NextFunction } from './handler/index.js';
export { createAquaServer, DEFAULT_TIMEOUTS } from './server/index.js';
export type {
  AquaSecureServerOptions,
  AquaServer,
  AquaServerOptions,
  RequestListener,
  Timeouts,
  TlsOptions,
} from './server/index.js';
export type {
  HeaderRule,
  RedirectRule,
  RewriteRule,
  ServeOptions,
  ShareTokenMaker,
  SiteOptions,
} from './handler/options.js';
export { createLogger, silentLogger } from './log.js';
export type { Logger, LogFormat, LogOptions } from './log.js';
export type { TranscodeQuality } from './media/args.js';
export type { FolderDirent, FolderFs } from './fs/entries.js';
