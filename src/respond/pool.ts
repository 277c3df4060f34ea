import { IN_FLIGHT_BYTES } from './budget.js';

/**
 * Buffers for the file runs that are not cached (a large file read by few clients), reused once the socket has
 * taken their bytes. A fresh 1 MiB buffer per read costs the kernel a page fault and a zeroed page per 4 KiB, and
 * the garbage collector a pass per few dozen MiB: profiled, that was a third of a lone download's CPU.
 *
 * A buffer goes back to the pool only from the callback of the response write that carried it, without error —
 * by then node has handed its bytes to the kernel (or to TLS / HTTP/2, which copied them). A buffer whose write
 * never completes (the client left) is simply left to the garbage collector: it can never be reused while bytes
 * of it may still be sent. At most {@link IN_FLIGHT_BYTES} of free buffers are kept.
 */
const free = new Map<number, Buffer[]>();
const lent = new WeakSet<ArrayBuffer>();
let freeBytes = 0;

/** A buffer of exactly `length` bytes (contents undefined), from the pool when one is free. */
export function scratch(length: number): Buffer {
  const reused = free.get(length)?.pop();
  if (reused) freeBytes -= length;
  const buffer = reused ?? Buffer.allocUnsafeSlow(length);
  lent.add(buffer.buffer as ArrayBuffer); // allocUnsafeSlow: its own ArrayBuffer, never a shared one
  return buffer;
}

/**
 * For a chunk about to be written: when it is the view of a pooled buffer that reaches its end, the write callback
 * that returns the buffer to the pool once the write succeeded; otherwise `undefined`. A buffer may go out in
 * several chunks (a run written block by block): only the one that carries its last byte returns it, since a
 * socket's writes complete in order. Each lent buffer is returned at most once; one whose end is never sent (a
 * range that stops inside it) is left to the garbage collector.
 */
export function recycler(chunk: Buffer): ((err?: Error | null) => void) | undefined {
  const memory = chunk.buffer;
  if (!(memory instanceof ArrayBuffer) || !lent.has(memory)) return undefined;
  if (chunk.byteOffset + chunk.length !== memory.byteLength) return undefined;
  lent.delete(memory);
  return (err) => {
    if (err || freeBytes + memory.byteLength > IN_FLIGHT_BYTES) return;
    const list = free.get(memory.byteLength) ?? [];
    if (list.length === 0) free.set(memory.byteLength, list);
    list.push(Buffer.from(memory));
    freeBytes += memory.byteLength;
  };
}

/** Free bytes held by the pool (for tests). */
export function pooledBytes(): number {
  return freeBytes;
}
