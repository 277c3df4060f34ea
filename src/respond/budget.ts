/**
 * One process-wide budget for the file bytes that bodies hold privately while they stream: the chunk a
 * response has handed to its socket and not yet flushed, plus the one chunk it reads ahead meanwhile.
 *
 * Chunk size follows the load. A body that streams alone may read {@link MAX_CHUNK} at once (one
 * thread-pool read and one socket write per MiB instead of sixteen); as more bodies stream at the
 * same time each gets a smaller share, down to one cache block — then bodies hold only blocks of the
 * shared block cache, which many clients share, exactly as before the budget. A reservation never
 * takes the total past {@link InFlightBudget.maxBytes}: under a burst, late bodies get smaller chunks
 * instead of more memory.
 */
export class InFlightBudget {
  readonly maxBytes: number;
  readonly maxChunk: number;
  private reservedBytes = 0;
  private streaming = 0;

  constructor(options: { maxBytes: number; maxChunk: number }) {
    this.maxBytes = options.maxBytes;
    this.maxChunk = options.maxChunk;
  }

  /** Bytes reserved by the bodies streaming now (each reserves two of its chunks). */
  get reserved(): number {
    return this.reservedBytes;
  }

  /** Bodies streaming now. */
  get active(): number {
    return this.streaming;
  }

  /** A body starts: it counts towards the load until its lease is closed. */
  open(): BodyLease {
    this.streaming++;
    let held = 0;
    let closed = false;
    return {
      blocksPerRead: (blockSize: number): number => {
        if (closed) return 1;
        this.reservedBytes -= held;
        held = 0;
        let blocks = Math.max(1, Math.floor(this.fairChunk() / blockSize));
        // Two chunks per body: the one the socket holds and the one read ahead.
        while (blocks > 1 && this.reservedBytes + 2 * blocks * blockSize > this.maxBytes) blocks >>= 1;
        if (blocks > 1) held = 2 * blocks * blockSize;
        this.reservedBytes += held;
        return blocks;
      },
      close: (): void => {
        if (closed) return;
        closed = true;
        this.reservedBytes -= held;
        held = 0;
        this.streaming--;
      },
    };
  }

  /** The largest power of two that lets every streaming body hold two chunks within the budget, ≤ maxChunk. */
  private fairChunk(): number {
    const share = this.maxBytes / (2 * Math.max(1, this.streaming));
    if (share >= this.maxChunk) return this.maxChunk;
    return 2 ** Math.floor(Math.log2(Math.max(1, share)));
  }
}

/** One body's share of an {@link InFlightBudget}. */
export interface BodyLease {
  /**
   * How many cache blocks of `blockSize` the next read may cover, given the load now (≥ 1). More than
   * one reserves two such chunks for this body until the next call or {@link BodyLease.close}.
   */
  blocksPerRead(blockSize: number): number;
  /** The body ended: release its reservation (idempotent). */
  close(): void;
}

/** The largest chunk one body reads at once: the size at which Node's own piped stream peaks. */
export const MAX_CHUNK = 1024 * 1024;

/** The process-wide budget every file body draws from: 32 MiB lets 16 bodies read 1 MiB chunks at once. */
export const IN_FLIGHT_BYTES = 32 * 1024 * 1024;

/** The budget of this process (each `--workers` worker has its own). */
export const inFlight = new InFlightBudget({ maxBytes: IN_FLIGHT_BYTES, maxChunk: MAX_CHUNK });
