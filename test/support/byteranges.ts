/** A strict parser of multipart/byteranges bodies for tests: any framing error throws. */
export interface ParsedPart {
  headers: Record<string, string>;
  body: Buffer;
}

export function boundaryOf(contentType: string): string {
  const match = /^multipart\/byteranges; boundary=([0-9A-Za-z'()+_,\-./:=?]{1,70})$/.exec(contentType);
  if (match === null) throw new Error(`not multipart/byteranges: ${contentType}`);
  return match[1] ?? '';
}

export function parseByteranges(body: Buffer, boundary: string): ParsedPart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const crlfDelimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  if (!body.subarray(0, delimiter.length).equals(delimiter)) throw new Error('body does not start with the delimiter');
  const parts: ParsedPart[] = [];
  let at = delimiter.length;
  for (;;) {
    const after = body.subarray(at, at + 2).toString('latin1');
    if (after === '--') {
      if (body.subarray(at + 2).toString('latin1') !== '\r\n') throw new Error('junk after the close delimiter');
      return parts;
    }
    if (after !== '\r\n') throw new Error(`bad delimiter line ending at ${at}`);
    const headerEnd = body.indexOf('\r\n\r\n', at + 2, 'latin1');
    if (headerEnd < 0) throw new Error('unterminated part header');
    const headers: Record<string, string> = {};
    for (const line of body
      .subarray(at + 2, headerEnd)
      .toString('latin1')
      .split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`bad part header line ${JSON.stringify(line)}`);
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headerEnd + 4;
    const next = body.indexOf(crlfDelimiter, bodyStart);
    if (next < 0) throw new Error('part without a following delimiter');
    parts.push({ headers, body: body.subarray(bodyStart, next) });
    at = next + crlfDelimiter.length;
  }
}
