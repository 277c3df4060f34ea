import { EventEmitter } from 'node:events';
import type { FileHandle } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRIEF_BYTES, DescriptorBudget } from '../../src/fs/descriptors.js';
import { HttpError } from '../../src/http/errors.js';

/** A stand-in for an open FileHandle: the budget only listens for its `close`. */
const handle = (): FileHandle & EventEmitter => new EventEmitter() as unknown as FileHandle & EventEmitter;

describe('DescriptorBudget at its limit, with no holder idle', () => {
  const full = (): DescriptorBudget => {
    const budget = new DescriptorBudget(2);
    budget.track(handle());
    budget.track(handle());
    return budget;
  };

  it.each<[string, 'new' | 'resume', number | undefined, boolean]>([
    [
      'a new download is refused with 503 (it would hold a descriptor as long as its client likes)',
      'new',
      20 << 20,
      true,
    ],
    ['a new request of unknown size is refused with 503', 'new', undefined, true],
    [
      'a file of 13 bytes, read at once and closed, goes over the limit (a small page is still answered)',
      'new',
      13,
      false,
    ],
    ['so does one of exactly BRIEF_BYTES', 'new', BRIEF_BYTES, false],
    ['one byte more is a download: refused', 'new', BRIEF_BYTES + 1, true],
    ['a running download taking its file back goes over the limit rather than fail', 'resume', 20 << 20, false],
  ])('%s', (_name, kind, size, refused) => {
    const budget = full();
    const admit = (): void => budget.admit(kind, size);
    if (refused) expect(admit).toThrow(HttpError);
    else expect(admit).not.toThrow();
  });

  it('counts a descriptor until its handle closes', () => {
    const budget = new DescriptorBudget(1);
    const fh = budget.track(handle()) as unknown as EventEmitter;
    expect(() => budget.admit('new')).toThrow(HttpError);
    fh.emit('close');
    expect(budget.inUse).toBe(0);
    expect(() => budget.admit('new')).not.toThrow();
  });
});

describe('DescriptorBudget taking a descriptor back from an idle download', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  /** A holder idle since long ago, whose release closes its descriptor (`sole`) or only drops a share of it. */
  const idle = (budget: DescriptorBudget, sole: boolean, released: string[], name: string): void => {
    const holder = {
      busy: false,
      release: (): boolean => {
        released.push(name);
        return sole;
      },
    };
    budget.touch(holder);
  };

  it('passes over holders that only share a descriptor until one release really closes one', () => {
    const budget = new DescriptorBudget(1);
    budget.track(handle());
    const released: string[] = [];
    idle(budget, false, released, 'share A');
    idle(budget, false, released, 'share B');
    idle(budget, true, released, 'own C');
    vi.setSystemTime(Date.now() + 60_000);
    expect(() => budget.admit('new')).not.toThrow();
    expect(released).toEqual(['share A', 'share B', 'own C']);
  });

  it('refuses a new download when the idle holders only share descriptors', () => {
    const budget = new DescriptorBudget(1);
    budget.track(handle());
    const released: string[] = [];
    idle(budget, false, released, 'share A');
    vi.setSystemTime(Date.now() + 60_000);
    expect(() => budget.admit('new', 20 << 20)).toThrow(HttpError);
    expect(released).toEqual(['share A']);
  });
});
