import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineTooLongError, splitLines } from '../../src/echo/lines.js';

async function* fromChunks(chunks: readonly (string | Uint8Array)[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield Buffer.from(chunk);
}

async function lines(chunks: readonly (string | Uint8Array)[], maxLine = 64): Promise<string[]> {
  const out: string[] = [];
  for await (const line of splitLines(fromChunks(chunks), maxLine)) out.push(line.toString('latin1'));
  return out;
}

describe('splitLines', () => {
  it.each([
    ['nothing', [], []],
    ['one line', ['a\n'], ['a\n']],
    ['a line in pieces', ['a', 'b', 'c\n'], ['abc\n']],
    ['several lines in one chunk', ['a\nb\n\nc\n'], ['a\n', 'b\n', '\n', 'c\n']],
    ['a newline opening the next chunk', ['a', '\nb'], ['a\n', 'b']],
    ['CRLF kept as sent', ['a\r\n'], ['a\r\n']],
    ['an unterminated last line', ['a\nb'], ['a\n', 'b']],
    ['empty chunks', ['', 'a', '', '\n', ''], ['a\n']],
  ])('%s', async (_, chunks, expected) => {
    expect(await lines(chunks)).toEqual(expected);
  });

  it.each([
    ['held without a newline', ['x'.repeat(5)]],
    ['held across chunks', ['xx', 'xx', 'x']],
    ['complete in one chunk', [`${'x'.repeat(5)}\n`]],
    ['completed by a later chunk', ['xxx', 'xx\n']],
  ])('refuses a line one byte over the limit: %s', async (_, chunks) => {
    await expect(lines(chunks, 4)).rejects.toBeInstanceOf(LineTooLongError);
  });

  it('accepts a line exactly at the limit (its newline not counted)', async () => {
    expect(await lines(['xx', 'xx\n'], 4)).toEqual(['xxxx\n']);
  });

  it('gives back exactly the bytes it was given, one newline per line, however they are chunked', async () => {
    const bytes = fc.uint8Array({ maxLength: 24 }).map((a) => a.map((b) => (b % 4 === 0 ? 0x0a : b)));
    await fc.assert(
      fc.asyncProperty(fc.array(bytes, { maxLength: 12 }), async (chunks) => {
        const out = await lines(chunks, 1000);
        expect(Buffer.from(out.join(''), 'latin1')).toEqual(Buffer.concat(chunks.map((c) => Buffer.from(c))));
        out.forEach((line, i) => {
          expect(line.length).toBeGreaterThan(0);
          // at most one newline, and only at the end; only the last line may lack it
          expect(line.indexOf('\n')).toBe(line.endsWith('\n') ? line.length - 1 : -1);
          if (i < out.length - 1) expect(line.endsWith('\n')).toBe(true);
        });
      }),
    );
  });
});
