import tls from 'node:tls';

/**
 * HTTP/2 frames written by hand, for attacks a well-behaved client library refuses to send (rapid reset):
 * one copy, in bench/lib/h2frames.js, which `npm run bench:attacks` uses too.
 */
export { clientPreface, rapidResets } from '../../bench/lib/h2frames.js';

/** A TLS connection that negotiated h2 (certificate not checked: the tests' self-signed one). */
export function connectH2(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
    socket.on('data', () => undefined); // read (and drop) what the server sends: no backpressure stall
  });
}
