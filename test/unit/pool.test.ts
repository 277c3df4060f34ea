import { describe, expect, it } from 'vitest';
import { pooledBytes, recycler, scratch } from '../../src/respond/pool.js';

describe('the pool of run buffers', () => {
  it('reuses a buffer only after the write that carried it succeeded, and only once', () => {
    const a = scratch(4096);
    const done = recycler(a.subarray(10)); // a view of it that reaches its end counts as it
    expect(done).toBeTypeOf('function');
    expect(recycler(a)).toBeUndefined(); // lent once, returned once
    expect(scratch(4096).buffer).not.toBe(a.buffer); // still in flight: never handed out again
    const before = pooledBytes();
    done?.(null);
    expect(pooledBytes()).toBe(before + 4096);
    expect(scratch(4096).buffer).toBe(a.buffer);
    expect(pooledBytes()).toBe(before);
  });

  it('returns a buffer sent in slices with the slice that carries its last byte (writes complete in order)', () => {
    const run = scratch(4 * 1024);
    const slices = [0, 1, 2, 3].map((i) => run.subarray(i * 1024, (i + 1) * 1024));
    expect(slices.slice(0, 3).map((slice) => recycler(slice))).toEqual([undefined, undefined, undefined]);
    const last = recycler(slices[3] as Buffer);
    expect(last).toBeTypeOf('function');
    const before = pooledBytes();
    last?.(null);
    expect(pooledBytes()).toBe(before + 4096);
  });

  it('leaves a buffer whose end is never sent (a range that stops inside it) to the garbage collector', () => {
    const run = scratch(2048);
    expect(recycler(run.subarray(0, 1000))).toBeUndefined();
    expect(scratch(2048).buffer).not.toBe(run.buffer);
  });

  it('drops a buffer whose write failed (the client left: its bytes may still be referenced)', () => {
    const b = scratch(8192);
    const before = pooledBytes();
    recycler(b)?.(new Error('write after end'));
    expect(pooledBytes()).toBe(before);
    expect(scratch(8192).buffer).not.toBe(b.buffer);
  });

  it('leaves other buffers alone: cached blocks and pages are never pooled', () => {
    expect(recycler(Buffer.from('a page'))).toBeUndefined();
    expect(recycler(Buffer.allocUnsafeSlow(4096))).toBeUndefined();
  });
});
