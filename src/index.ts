export { createLogger, silentLogger } from './log.js';
export type { Logger, LogFormat, LogOptions } from './log.js';
export type { ServeOptions } from './options.js';
