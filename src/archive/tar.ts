import { createHash } from 'node:crypto';
import { bytesOfName, hasRawBytes } from '../fs/names.js';
import { clip, firstMember, overlaps, YIELD_EVERY, yieldToLoop, type ArchiveEntry, type Span } from './entry.js';
import type { ArchiveIo } from './reader.js';

/**
 * POSIX pax tar (IEEE 1003.1-2001 `pax` format, readable by GNU tar, bsdtar and 7-Zip): a ustar header per member,
 * preceded by a pax extended header when the name is not short ASCII or the size does not fit the 11 octal digits.
 * No checksums over the data, so any span of it is the files' own bytes framed by headers computable in advance.
 */

const BLOCK = 512;
const LAYOUT_VERSION = 'tar1';
/** The largest size the ustar 12-byte octal field holds (8 GiB - 1); larger sizes go in a pax `size` record. */
const MAX_OCTAL_SIZE = 0o77777777777;
const USTAR_NAME = 100;

export interface TarPlan {
  readonly entries: readonly ArchiveEntry[];
  /** The header blocks of each member (pax header and data when needed, then the ustar header). */
  readonly headerLengths: Float64Array;
  /** Offset of each member's first header block. */
  readonly offsets: Float64Array;
  readonly size: number;
  readonly etag: string;
}

function padded(length: number): number {
  return Math.ceil(length / BLOCK) * BLOCK;
}

/** One pax record, `"<length> <key>=<value>\n"`, where the length counts its own digits. */
function paxRecord(key: string, value: Buffer): Buffer {
  const restBytes = key.length + value.length + 3;
  let length = restBytes + 1;
  while (String(length).length + restBytes !== length) length = String(length).length + restBytes;
  return Buffer.concat([Buffer.from(`${length} ${key}=`), value, Buffer.from('\n')]);
}

/**
 * The pax records a member needs (empty when the ustar header says everything): its path when long or not ASCII
 * (with `hdrcharset=BINARY` first when the name's bytes are not UTF-8, so readers take them as they are), its size
 * when too big for the octal field.
 */
function paxRecords(entry: ArchiveEntry): Buffer {
  const records: Buffer[] = [];
  if (!/^[\x20-\x7e]*$/.test(entry.name) || entry.name.length > USTAR_NAME) {
    if (hasRawBytes(entry.name)) records.push(paxRecord('hdrcharset', Buffer.from('BINARY')));
    records.push(paxRecord('path', bytesOfName(entry.name)));
  }
  if (entry.size > MAX_OCTAL_SIZE) records.push(paxRecord('size', Buffer.from(String(entry.size))));
  return Buffer.concat(records);
}

function headerLength(entry: ArchiveEntry): number {
  const pax = paxRecords(entry).length;
  return (pax > 0 ? BLOCK + padded(pax) : 0) + BLOCK;
}

function memberSize(entry: ArchiveEntry): number {
  return entry.type === 'directory' ? 0 : entry.size;
}

/** Lay out the tar of `entries`: offsets, exact size and ETag, without reading the files. */
export async function planTar(entries: readonly ArchiveEntry[]): Promise<TarPlan> {
  const headerLengths = new Float64Array(entries.length);
  const offsets = new Float64Array(entries.length);
  const hash = createHash('sha256').update(LAYOUT_VERSION);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToLoop();
    const entry = entries[i];
    offsets[i] = at;
    headerLengths[i] = headerLength(entry);
    at += headerLengths[i] + padded(memberSize(entry));
    hash.update(`\0${entry.type}\0${memberSize(entry)}\0${entry.mtimeMs}\0${entry.name}`);
  }
  const size = at + 2 * BLOCK;
  return { entries, headerLengths, offsets, size, etag: `"${hash.digest('base64url').slice(0, 27)}"` };
}

function octal(buf: Buffer, at: number, width: number, value: number): void {
  buf.write(value.toString(8).padStart(width - 1, '0') + '\0', at, width, 'ascii');
}

/** A ustar header block; `name` must be ASCII and at most 100 bytes (the pax header carries the real one). */
function ustarHeader(name: string, type: '0' | '5' | 'x', size: number, mtimeMs: number): Buffer {
  const buf = Buffer.alloc(BLOCK);
  buf.write(name, 0, USTAR_NAME, 'ascii');
  octal(buf, 100, 8, type === '5' ? 0o755 : 0o644);
  octal(buf, 108, 8, 0); // uid
  octal(buf, 116, 8, 0); // gid
  octal(buf, 124, 12, size > MAX_OCTAL_SIZE ? 0 : size);
  octal(buf, 136, 12, Math.min(Math.max(Math.floor(mtimeMs / 1000), 0), 0o77777777777) || 0);
  buf.write(type, 156, 1, 'ascii');
  buf.write('ustar\x0000', 257, 8, 'ascii');
  buf.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return buf;
}

/** The ustar name of a member whose real name is in a pax record: printable ASCII, at most 100 bytes. */
function fallbackName(entry: ArchiveEntry): string {
  const ascii = entry.name.replace(/[^\x20-\x7e]/g, '_');
  if (ascii.length <= USTAR_NAME) return ascii;
  const slash = entry.type === 'directory' ? '/' : '';
  return ascii.slice(0, USTAR_NAME - slash.length) + slash;
}

/** All header blocks of one member. */
function memberHeader(entry: ArchiveEntry): Buffer {
  const type = entry.type === 'directory' ? '5' : '0';
  const records = paxRecords(entry);
  const pax = records.length > 0;
  const ustar = ustarHeader(pax ? fallbackName(entry) : entry.name, type, memberSize(entry), entry.mtimeMs);
  if (!pax) return ustar;
  const data = Buffer.alloc(padded(records.length));
  records.copy(data);
  const paxName = `PaxHeaders/${fallbackName(entry)}`.slice(0, USTAR_NAME);
  return Buffer.concat([ustarHeader(paxName, 'x', records.length, entry.mtimeMs), data, ustar]);
}

/** The bytes of `span` (inclusive; `null` for everything) of the planned tar, in order. */
export async function* tarSpan(plan: TarPlan, span: Span | null, io: ArchiveIo): AsyncGenerator<Buffer> {
  const { entries, offsets, headerLengths } = plan;
  for (let i = firstMember(plan.offsets, span); i < entries.length; i++) {
    const entry = entries[i];
    let at = offsets[i];
    if (span !== null && at > span.end) break;
    const header = clip(memberHeader(entry), at, span);
    if (header) yield header;
    at += headerLengths[i];
    const size = memberSize(entry);
    if (overlaps(at, size, span)) {
      const from = span === null ? 0 : Math.max(span.start - at, 0);
      const to = span === null ? size - 1 : Math.min(span.end - at, size - 1);
      yield* io.read(entry, from, to, { crc: false });
    }
    const padding = padded(size) - size;
    const pad = padding > 0 ? clip(Buffer.alloc(padding), at + size, span) : null;
    if (pad) yield pad;
  }
  const end = clip(Buffer.alloc(2 * BLOCK), plan.size - 2 * BLOCK, span);
  if (end) yield end;
}
