const NEWLINE = 0x0a;

/** A line grew past the limit before its newline arrived. */
export class LineTooLongError extends Error {
  override readonly name = 'LineTooLongError';
  constructor(readonly maxLine: number) {
    super(`line longer than ${maxLine} bytes`);
  }
}

/**
 * Splits a stream of byte chunks into lines. Each line is yielded, with its `\n`, as soon as that
 * newline arrives; a partial line is held until it is completed, and whatever is left when the input
 * ends is yielded last. Bytes are never decoded, so any encoding comes out exactly as it went in.
 *
 * A line longer than `maxLine` bytes (its `\n` not counted) throws {@link LineTooLongError}, so no more
 * than `maxLine` bytes plus one chunk are ever held, whatever the peer sends.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxLine: number): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldLength = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (heldLength + (end - start) > maxLine) throw new LineTooLongError(maxLine);
      const tail = chunk.subarray(start, end + 1);
      yield heldLength === 0 ? tail : Buffer.concat([...held, tail]);
      held = [];
      heldLength = 0;
      start = end + 1;
    }
    if (start < chunk.length) {
      held.push(chunk.subarray(start));
      heldLength += chunk.length - start;
      if (heldLength > maxLine) throw new LineTooLongError(maxLine);
    }
  }
  if (heldLength > 0) yield Buffer.concat(held);
}
