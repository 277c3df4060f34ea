import { createHash } from 'node:crypto';
import { bytesOfName, hasRawBytes } from '../fs/names.js';
import { clip, firstMember, overlaps, YIELD_EVERY, yieldToLoop, type ArchiveEntry, type Span } from './entry.js';
import type { ArchiveIo } from './reader.js';
import {
  centralRecord,
  centralRecordLength,
  dataDescriptor,
  descriptorLength,
  endLength,
  endRecords,
  localHeader,
  localHeaderLength,
  type Directory,
  type MemberFields,
} from './zip-records.js';

/** Bumped whenever the bytes written for the same entries change: it is part of every archive's ETag. */
const LAYOUT_VERSION = 'zip1';

/** A ZIP archive laid out before its first byte: every member's offset, the total size, the ETag. */
export interface ZipPlan {
  readonly entries: readonly ArchiveEntry[];
  readonly members: readonly MemberFields[];
  /** Offset of each member's local header. */
  readonly offsets: Float64Array;
  readonly directory: Directory;
  /** Exact length of the archive in bytes. */
  readonly size: number;
  /** Strong entity tag (quoted) from every member's name, type, size and mtime, and the layout version. */
  readonly etag: string;
}

/**
 * Lay out a STORED ZIP of `entries` (in order) without reading a byte of them: sizes are known, CRCs go in data
 * descriptors, so every offset and the archive's exact size follow from the list. Yields to the event loop every
 * {@link YIELD_EVERY} entries, so a 100,000-entry plan never holds the loop.
 */
export async function planZip(entries: readonly ArchiveEntry[]): Promise<ZipPlan> {
  const members: MemberFields[] = [];
  const offsets = new Float64Array(entries.length);
  const hash = createHash('sha256').update(LAYOUT_VERSION);
  let at = 0;
  let directorySize = 0;
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToLoop();
    const entry = entries[i];
    const member: MemberFields = {
      name: bytesOfName(entry.name),
      utf8: !hasRawBytes(entry.name),
      directory: entry.type === 'directory',
      size: entry.type === 'directory' ? 0 : entry.size,
      mtimeMs: entry.mtimeMs,
    };
    if (member.name.length > 0xffff) throw new RangeError('archive member name longer than 65,535 bytes');
    members.push(member);
    offsets[i] = at;
    at += localHeaderLength(member) + member.size + descriptorLength(member);
    directorySize += centralRecordLength(member, offsets[i]);
    hash.update(`\0${entry.type}\0${member.size}\0${entry.mtimeMs}\0`).update(member.name);
  }
  const directory: Directory = { count: entries.length, offset: at, size: directorySize };
  const size = at + directorySize + endLength(directory);
  return { entries, members, offsets, directory, size, etag: `"${hash.digest('base64url').slice(0, 27)}"` };
}

/**
 * The bytes of `span` (inclusive; `null` for the whole archive) of the planned ZIP, in order. Only the members that
 * meet the span are read. A member's CRC-32 is computed while its bytes stream by; when the span starts inside a
 * member, or needs the central directory of members it did not send, the CRCs come from `io` (remembered from an
 * earlier download, or read once more from the files).
 */
export async function* zipSpan(plan: ZipPlan, span: Span | null, io: ArchiveIo): AsyncGenerator<Buffer> {
  const { entries, members, offsets, directory } = plan;
  const crcs = new Map<number, number>();
  const wantsDirectory = overlaps(directory.offset, plan.size - directory.offset, span);
  for (let i = firstMember(plan.offsets, span); i < entries.length; i++) {
    const member = members[i];
    let at = offsets[i];
    if (span !== null && at > span.end) break;
    const header = clip(localHeader(member), at, span);
    if (header) yield header;
    at += localHeaderLength(member);
    if (member.directory) continue;
    const descriptorAt = at + member.size;
    const needsCrc = wantsDirectory || overlaps(descriptorAt, descriptorLength(member), span);
    if (overlaps(at, member.size, span)) {
      const from = span === null ? 0 : Math.max(span.start - at, 0);
      const to = span === null ? member.size - 1 : Math.min(span.end - at, member.size - 1);
      const crc = yield* io.read(entries[i], from, to, { crc: needsCrc });
      if (needsCrc) crcs.set(i, crc);
    }
    if (overlaps(descriptorAt, descriptorLength(member), span)) {
      const crc = crcs.get(i) ?? (await io.crc(entries[i]));
      crcs.set(i, crc);
      const descriptor = clip(dataDescriptor(member, crc), descriptorAt, span);
      if (descriptor) yield descriptor;
    }
  }
  if (!wantsDirectory) return;
  yield* directoryBytes(plan, span, io, crcs);
}

/** The central directory and end records, the parts of them inside `span`. */
async function* directoryBytes(
  plan: ZipPlan,
  span: Span | null,
  io: ArchiveIo,
  crcs: ReadonlyMap<number, number>,
): AsyncGenerator<Buffer> {
  const { entries, members, offsets, directory } = plan;
  let at = directory.offset;
  for (let i = 0; i < entries.length; i++) {
    const member = members[i];
    const length = centralRecordLength(member, offsets[i]);
    if (overlaps(at, length, span)) {
      const crc = member.directory ? 0 : (crcs.get(i) ?? (await io.crc(entries[i])));
      const record = clip(centralRecord(member, offsets[i], crc), at, span);
      if (record) yield record;
    }
    at += length;
  }
  const end = clip(endRecords(directory), at, span);
  if (end) yield end;
}
