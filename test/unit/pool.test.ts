import { describe, expect, it } from 'vitest';
import { pooledBytes, recycler, scratch } from '../../src/respond/pool.js';

describe('the pool of run buffers', () => {
  it('reuses a buffer only after the write that carried it succeeded, and only once', () => {
    const a = scratch(4096);
    const done = recycler(a.subarray(10, 20)); // a view of it counts as it
    expect(done).toBeTypeOf('function');
    expect(recycler(a)).toBeUndefined(); // lent once, returned once
    expect(scratch(4096).buffer).not.toBe(a.buffer); // still in flight: never handed out again
    const before = pooledBytes();
    done?.(null);
    expect(pooledBytes()).toBe(before + 4096);
    expect(scratch(4096).buffer).toBe(a.buffer);
    expect(pooledBytes()).toBe(before);
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
