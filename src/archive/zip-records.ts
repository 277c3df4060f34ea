/**
 * The records of a ZIP file (PKWARE APPNOTE 6.3.10) as aqua-serve writes them: STORED members whose CRC-32 follows
 * the data in a data descriptor (flag bit 3), UTF-8 names (flag bit 11), the Info-ZIP extended timestamp, and ZIP64
 * fields exactly where a size, an offset or the entry count does not fit the classic ones. Pure functions of their
 * inputs: the same folder always gives the same bytes, which is what makes Range requests possible.
 */

/** A classic 32-bit field holds values below this; at or above it, the ZIP64 field carries the value. */
export const MAX32 = 0xffffffff;
/** A classic 16-bit entry count holds values below this. */
export const MAX16 = 0xffff;

const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
/** Version 2.0: folders, stored files; 4.5: ZIP64. */
const VERSION_20 = 20;
const VERSION_45 = 45;
/** "Made by" Unix (3), spec 4.5: external attributes carry the Unix mode in their high 16 bits. */
const MADE_BY = (3 << 8) | VERSION_45;
const MODE_FILE = 0o100644;
const MODE_DIR = 0o040755;
const DOS_DIR = 0x10;

/** Info-ZIP extended timestamp extra field (0x5455) with the modification time only: 4 + 5 bytes. */
const TIMESTAMP_EXTRA = 9;

/** What the records of one member are made from. */
export interface MemberFields {
  /** The name's exact bytes. */
  readonly name: Buffer;
  /** The name is UTF-8 (flag bit 11); a name whose bytes are not (an old disk's) goes as the bytes it is. */
  readonly utf8: boolean;
  readonly directory: boolean;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A file whose size needs ZIP64 fields (and an 8-byte-size data descriptor). */
export function needsZip64Size(member: MemberFields): boolean {
  return member.size >= MAX32;
}

export function localHeaderLength(member: MemberFields): number {
  return 30 + member.name.length + TIMESTAMP_EXTRA + (needsZip64Size(member) ? 20 : 0);
}

export function descriptorLength(member: MemberFields): number {
  if (member.directory) return 0;
  return needsZip64Size(member) ? 24 : 16;
}

/** How many 8-byte ZIP64 fields the central record needs: sizes (two) and the local header offset. */
function centralZip64Fields(member: MemberFields, offset: number): number {
  return (needsZip64Size(member) ? 2 : 0) + (offset >= MAX32 ? 1 : 0);
}

export function centralRecordLength(member: MemberFields, offset: number): number {
  const fields = centralZip64Fields(member, offset);
  return 46 + member.name.length + TIMESTAMP_EXTRA + (fields > 0 ? 4 + 8 * fields : 0);
}

/** MS-DOS date and time (spec 4.4.6), in UTC so that the bytes do not depend on the server's time zone. */
export function dosDateTime(mtimeMs: number): { date: number; time: number } {
  const d = new Date(Number.isFinite(mtimeMs) ? mtimeMs : 0);
  const year = d.getUTCFullYear();
  if (year < 1980) return { date: (1 << 5) | 1, time: 0 };
  if (year > 2107) return { date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29 };
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

/** Unix seconds for the extended timestamp: a signed 32-bit field, clamped. */
function unixSeconds(mtimeMs: number): number {
  const seconds = Number.isFinite(mtimeMs) ? Math.floor(mtimeMs / 1000) : 0;
  return Math.min(Math.max(seconds, 0), 0x7fffffff);
}

function writeTimestamp(buf: Buffer, at: number, mtimeMs: number): number {
  buf.writeUInt16LE(0x5455, at);
  buf.writeUInt16LE(5, at + 2);
  buf.writeUInt8(1, at + 4); // bit 0: modification time present
  buf.writeInt32LE(unixSeconds(mtimeMs), at + 5);
  return at + TIMESTAMP_EXTRA;
}

function writeCommon(buf: Buffer, at: number, member: MemberFields, zip64: boolean): number {
  const { date, time } = dosDateTime(member.mtimeMs);
  buf.writeUInt16LE(zip64 ? VERSION_45 : VERSION_20, at);
  buf.writeUInt16LE((member.utf8 ? FLAG_UTF8 : 0) | (member.directory ? 0 : FLAG_DESCRIPTOR), at + 2);
  buf.writeUInt16LE(0, at + 4); // method 0: STORED
  buf.writeUInt16LE(time, at + 6);
  buf.writeUInt16LE(date, at + 8);
  return at + 10;
}

/**
 * Local file header. With the data descriptor flag the CRC and sizes here are zero (spec 4.4.4); a ZIP64 member
 * carries a ZIP64 extra field (zero sizes too), which tells readers its descriptor has 8-byte sizes (spec 4.3.9.2).
 */
export function localHeader(member: MemberFields): Buffer {
  const zip64 = needsZip64Size(member);
  const buf = Buffer.alloc(localHeaderLength(member));
  buf.writeUInt32LE(0x04034b50, 0);
  let at = writeCommon(buf, 4, member, zip64);
  buf.writeUInt32LE(0, at); // CRC-32: in the data descriptor
  buf.writeUInt32LE(zip64 ? MAX32 : 0, at + 4);
  buf.writeUInt32LE(zip64 ? MAX32 : 0, at + 8);
  buf.writeUInt16LE(member.name.length, at + 12);
  buf.writeUInt16LE(buf.length - 30 - member.name.length, at + 14);
  at += 16;
  at += member.name.copy(buf, at);
  at = writeTimestamp(buf, at, member.mtimeMs);
  if (zip64) {
    buf.writeUInt16LE(0x0001, at);
    buf.writeUInt16LE(16, at + 2); // both sizes, zero: they follow in the descriptor
  }
  return buf;
}

/** Data descriptor after a file's bytes (spec 4.3.9), with its optional signature; 8-byte sizes for ZIP64. */
export function dataDescriptor(member: MemberFields, crc: number): Buffer {
  const zip64 = needsZip64Size(member);
  const buf = Buffer.alloc(descriptorLength(member));
  buf.writeUInt32LE(0x08074b50, 0);
  buf.writeUInt32LE(crc >>> 0, 4);
  if (zip64) {
    buf.writeBigUInt64LE(BigInt(member.size), 8);
    buf.writeBigUInt64LE(BigInt(member.size), 16);
  } else {
    buf.writeUInt32LE(member.size, 8);
    buf.writeUInt32LE(member.size, 12);
  }
  return buf;
}

/** Central directory file header (spec 4.3.12), with the ZIP64 extra field holding just the fields that overflow. */
export function centralRecord(member: MemberFields, offset: number, crc: number): Buffer {
  const bigSize = needsZip64Size(member);
  const bigOffset = offset >= MAX32;
  const fields = centralZip64Fields(member, offset);
  const buf = Buffer.alloc(centralRecordLength(member, offset));
  buf.writeUInt32LE(0x02014b50, 0);
  buf.writeUInt16LE(MADE_BY, 4);
  let at = writeCommon(buf, 6, member, fields > 0);
  buf.writeUInt32LE(crc >>> 0, at);
  buf.writeUInt32LE(bigSize ? MAX32 : member.size, at + 4);
  buf.writeUInt32LE(bigSize ? MAX32 : member.size, at + 8);
  buf.writeUInt16LE(member.name.length, at + 12);
  buf.writeUInt16LE(buf.length - 46 - member.name.length, at + 14);
  buf.writeUInt16LE(0, at + 16); // comment length
  buf.writeUInt16LE(0, at + 18); // disk number start
  buf.writeUInt16LE(0, at + 20); // internal attributes
  const mode = member.directory ? MODE_DIR : MODE_FILE;
  buf.writeUInt32LE(mode * 0x10000 + (member.directory ? DOS_DIR : 0), at + 22);
  buf.writeUInt32LE(bigOffset ? MAX32 : offset, at + 26);
  at += 30;
  at += member.name.copy(buf, at);
  at = writeTimestamp(buf, at, member.mtimeMs);
  if (fields > 0) {
    buf.writeUInt16LE(0x0001, at);
    buf.writeUInt16LE(8 * fields, at + 2);
    at += 4;
    if (bigSize) {
      buf.writeBigUInt64LE(BigInt(member.size), at);
      buf.writeBigUInt64LE(BigInt(member.size), at + 8);
      at += 16;
    }
    if (bigOffset) buf.writeBigUInt64LE(BigInt(offset), at);
  }
  return buf;
}

/** Where the central directory is and how many members it lists. */
export interface Directory {
  readonly count: number;
  readonly offset: number;
  readonly size: number;
}

export function needsZip64End(dir: Directory): boolean {
  return dir.count >= MAX16 || dir.offset >= MAX32 || dir.size >= MAX32;
}

export function endLength(dir: Directory): number {
  return (needsZip64End(dir) ? 56 + 20 : 0) + 22;
}

/** ZIP64 end of central directory record and locator (when needed), then the end of central directory record. */
export function endRecords(dir: Directory): Buffer {
  const zip64 = needsZip64End(dir);
  const buf = Buffer.alloc(endLength(dir));
  let at = 0;
  if (zip64) {
    const recordAt = dir.offset + dir.size;
    buf.writeUInt32LE(0x06064b50, 0);
    buf.writeBigUInt64LE(44n, 4); // size of the rest of this record
    buf.writeUInt16LE(MADE_BY, 12);
    buf.writeUInt16LE(VERSION_45, 14);
    buf.writeUInt32LE(0, 16); // this disk
    buf.writeUInt32LE(0, 20); // disk of the central directory
    buf.writeBigUInt64LE(BigInt(dir.count), 24);
    buf.writeBigUInt64LE(BigInt(dir.count), 32);
    buf.writeBigUInt64LE(BigInt(dir.size), 40);
    buf.writeBigUInt64LE(BigInt(dir.offset), 48);
    buf.writeUInt32LE(0x07064b50, 56);
    buf.writeUInt32LE(0, 60);
    buf.writeBigUInt64LE(BigInt(recordAt), 64);
    buf.writeUInt32LE(1, 72); // total disks
    at = 76;
  }
  buf.writeUInt32LE(0x06054b50, at);
  buf.writeUInt16LE(0, at + 4);
  buf.writeUInt16LE(0, at + 6);
  buf.writeUInt16LE(Math.min(dir.count, MAX16), at + 8);
  buf.writeUInt16LE(Math.min(dir.count, MAX16), at + 10);
  buf.writeUInt32LE(Math.min(dir.size, MAX32), at + 12);
  buf.writeUInt32LE(Math.min(dir.offset, MAX32), at + 16);
  buf.writeUInt16LE(0, at + 20); // comment length
  return buf;
}
