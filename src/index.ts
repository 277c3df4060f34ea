export { createLogger, silentLogger } from './log.js';
export type { Logger, LogFormat, LogOptions } from './log.js';
export type { ServeOptions } from './options.js';
export { createEchoServer } from './echo/server.js';
export type { EchoServer, EchoServerOptions } from './echo/server.js';
