export { serveDirectory } from './handler.js';
export type { AquaHandler, NextFunction } from './handler.js';
export { createAquaServer, DEFAULT_TIMEOUTS } from './server.js';
export type { AquaServer, AquaServerOptions, RequestListener, Timeouts } from './server.js';
export type { ServeOptions } from './options.js';
export { createLogger, silentLogger } from './log.js';
export type { Logger, LogFormat, LogOptions } from './log.js';
