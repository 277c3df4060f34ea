import { CommanderError } from 'commander';
import { tmpdir } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../src/cli/serve.js';

describe('--cache <seconds>', () => {
  it.each<[string, string[], number | null]>([
    ['absent → the default policy', [], null],
    ['0 is a lifetime of zero', ['--cache', '0'], 0],
    ['one hour', ['--cache', '3600'], 3600],
    ['RFC 9111 maximum', ['--cache', '2147483648'], 2 ** 31],
  ])('%s', async (_name, flags, expected) => {
    const config = await parseArgs([...flags, tmpdir()], {});
    expect(config.cache ?? null).toBe(expected);
  });

  it.each<[string]>([['-1'], ['1.5'], ['abc'], ['2147483649'], ['']])('rejects %j as a usage error', async (value) => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(parseArgs(['--cache', value, tmpdir()], {})).rejects.toBeInstanceOf(CommanderError);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/^aqua-serve: .*--cache must be a whole number/);
    } finally {
      stderr.mockRestore();
    }
  });
});
