import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAquaServer, type AquaServer, type AquaServerOptions } from '../../src/index.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Running {
  aqua: AquaServer;
  port: number;
  close(): Promise<void>;
}

/** An aqua server on 127.0.0.1, port 0. */
export async function startServer(options: AquaServerOptions): Promise<Running> {
  const aqua = createAquaServer({ graceSeconds: 0, ...options });
  const address: AddressInfo = await aqua.listen(0, '127.0.0.1');
  return { aqua, port: address.port, close: () => aqua.close() };
}

/** One request with a raw path (never normalised), no keep-alive agent, bounded in time. */
export function request(port: number, path: string, headers: OutgoingHttpHeaders = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`request timed out: ${method} ${path}`)));
    req.on('error', reject);
    req.end();
  });
}
