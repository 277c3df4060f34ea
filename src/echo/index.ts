/**
 * `aqua-serve/echo`: the line-echo TCP server behind `aqua-echo`, the seed's first example of the async core. Kept
 * out of the main entry, which is the file server.
 *
 * @packageDocumentation
 */
export { createEchoServer } from './server.js';
export type { EchoServer, EchoServerOptions } from './server.js';
