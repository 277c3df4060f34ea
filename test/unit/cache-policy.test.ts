import { describe, expect, it } from 'vitest';
import { fileCacheControl, immutableCacheControl, pageCacheControl, type CachePolicy } from '../../src/http/cache.js';

describe('Cache-Control policy (RFC 9111 §5.2.2)', () => {
  it.each<[string, CachePolicy, string, string, string]>([
    [
      'default: browsers revalidate each time, shared caches after 1 s',
      { cacheSeconds: null, private: false },
      'max-age=0, s-maxage=1, must-revalidate',
      'no-cache',
      'public, max-age=31536000, immutable',
    ],
    [
      '--cache 3600',
      { cacheSeconds: 3600, private: false },
      'public, max-age=3600',
      'no-cache',
      'public, max-age=31536000, immutable',
    ],
    [
      '--cache 0',
      { cacheSeconds: 0, private: false },
      'public, max-age=0',
      'no-cache',
      'public, max-age=31536000, immutable',
    ],
    [
      '--auth: nothing for shared caches',
      { cacheSeconds: null, private: true },
      'private, no-cache',
      'private, no-cache',
      'private, max-age=31536000, immutable',
    ],
    [
      '--auth --cache 600',
      { cacheSeconds: 600, private: true },
      'private, max-age=600',
      'private, no-cache',
      'private, max-age=31536000, immutable',
    ],
  ])('%s', (_name, policy, file, page, immutable) => {
    expect(fileCacheControl(policy)).toBe(file);
    expect(pageCacheControl(policy)).toBe(page);
    expect(immutableCacheControl(policy)).toBe(immutable);
  });

  it('the default never says no-cache, private, no-store or max-age=0 alone: nginx would not cache it', () => {
    const value = fileCacheControl({ cacheSeconds: null, private: false });
    expect(value).not.toMatch(/no-cache|no-store|private/);
    expect(value).toMatch(/s-maxage=[1-9]/);
  });
});
