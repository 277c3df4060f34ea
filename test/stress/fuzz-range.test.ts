import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RANGES, parseRange, resolveRanges } from '../../src/http/range.js';
import { createAquaServer, type AquaServer } from '../../src/server/index.js';
import { patternBytes, rawExchange } from './support.js';

const SEED = 20261126;

/**
 * The reference model: what RFC 9110 §14 says a range-spec selects from a representation of `size`
 * bytes, written as plainly as possible — the set of byte positions, or null when unsatisfiable.
 */
type Spec = { first: number; last: number | null } | { suffix: number };

function covered(spec: Spec, size: number): number[] | null {
  let from: number;
  let to: number;
  if ('suffix' in spec) {
    if (spec.suffix === 0 || size === 0) return null;
    from = Math.max(0, size - spec.suffix);
    to = size - 1;
  } else {
    if (spec.first >= size) return null;
    from = spec.first;
    to = spec.last === null ? size - 1 : Math.min(spec.last, size - 1);
  }
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

function specText(spec: Spec): string {
  return 'suffix' in spec ? `-${spec.suffix}` : `${spec.first}-${spec.last ?? ''}`;
}

/** Positions around the interesting edges of a file of `size` bytes. */
const position = (size: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(0, 1, size - 1, size, size + 1, 65_535, 65_536).filter((n) => n >= 0),
    fc.integer({ min: 0, max: size + 10 }),
  );

const specFor = (size: number): fc.Arbitrary<Spec> =>
  fc.oneof(
    fc.tuple(position(size), position(size)).map(([a, b]): Spec => ({ first: Math.min(a, b), last: Math.max(a, b) })),
    position(size).map((first): Spec => ({ first, last: null })),
    position(size).map((suffix): Spec => ({ suffix })),
  );

describe('Range against a reference model (fast-check)', () => {
  it('resolveRanges: partial answers cover exactly the bytes the specs select, in disjoint ranges; 416 only when none is satisfiable', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 300 })
          .chain((size) => fc.tuple(fc.constant(size), fc.array(specFor(size), { minLength: 1, maxLength: 8 }))),
        ([size, specs]) => {
          const parsed = parseRange('bytes=' + specs.map(specText).join(', '));
          expect(parsed).not.toBeNull();
          const decision = resolveRanges(parsed ?? [], size);
          const selections = specs.map((s) => covered(s, size));
          const satisfiable = selections.filter((s): s is number[] => s !== null);
          const wanted = new Set(satisfiable.flat());
          const requested = satisfiable.reduce((n, s) => n + s.length, 0);
          if (decision.kind === 'unsatisfiable') {
            expect(satisfiable).toEqual([]);
            return;
          }
          if (decision.kind === 'full') {
            // Only as a defence: too many specs, more bytes than the file, or a suffix of an empty file.
            const suffixOnEmpty = size === 0 && specs.some((s) => 'suffix' in s && s.suffix > 0);
            expect(specs.length > DEFAULT_MAX_RANGES || requested > size || suffixOnEmpty).toBe(true);
            return;
          }
          const got: number[] = [];
          const sorted = [...decision.ranges].sort((a, b) => a.start - b.start);
          for (let i = 0; i < sorted.length; i++) {
            const r = sorted[i];
            expect(0 <= r.start && r.start <= r.end && r.end < size).toBe(true);
            if (i > 0) expect(r.start).toBeGreaterThan(sorted[i - 1].end + 1); // disjoint, not adjacent
            for (let p = r.start; p <= r.end; p++) got.push(p);
          }
          expect(new Set(got)).toEqual(wanted);
          expect(got.length).toBe(wanted.size);
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  describe('over the socket', () => {
    const SIZES = [0, 1, 100, 70_000]; // 70 000 crosses a 64 KiB chunk
    let dir: string;
    let aqua: AquaServer;
    let port: number;
    const files = new Map<number, Buffer>();

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'aqua-range-'));
      for (const size of SIZES) {
        const data = patternBytes(size, size + 1);
        files.set(size, data);
        writeFileSync(path.join(dir, `f${size}.bin`), data);
      }
      aqua = createAquaServer({ root: dir, host: '127.0.0.1' });
      ({ port } = await aqua.listen());
    });

    afterAll(async () => {
      await aqua?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function get(
      size: number,
      range: string,
    ): Promise<{ status: number; headers: Map<string, string>; body: Buffer }> {
      const { text } = await rawExchange(
        port,
        `GET /f${size}.bin HTTP/1.1\r\nHost: x\r\nRange: ${range}\r\nConnection: close\r\n\r\n`,
        5_000,
      );
      const raw = Buffer.from(text, 'latin1');
      const split = raw.indexOf('\r\n\r\n');
      const lines = raw.subarray(0, split).toString('latin1').split('\r\n');
      const headers = new Map(
        lines
          .slice(1)
          .map(
            (l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string],
          ),
      );
      return { status: Number(lines[0].split(' ')[1]), headers, body: raw.subarray(split + 4) };
    }

    /** The parts of a multipart/byteranges body: each part's Content-Range and bytes. */
    function parts(body: Buffer, boundary: string): { start: number; end: number; bytes: Buffer }[] {
      const out: { start: number; end: number; bytes: Buffer }[] = [];
      const delimiter = Buffer.from(`--${boundary}`, 'latin1');
      let at = body.indexOf(delimiter);
      while (at >= 0) {
        const headEnd = body.indexOf('\r\n\r\n', at);
        const head = body.subarray(at, headEnd).toString('latin1');
        if (head.startsWith(`--${boundary}--`)) break;
        const m = /content-range: bytes (\d+)-(\d+)\/\d+/i.exec(head);
        if (!m) throw new Error(`part without Content-Range: ${head}`);
        const start = Number(m[1]);
        const end = Number(m[2]);
        const bytes = body.subarray(headEnd + 4, headEnd + 4 + end - start + 1);
        out.push({ start, end, bytes });
        at = body.indexOf(delimiter, headEnd + 4 + bytes.length);
      }
      return out;
    }

    it('valid headers: the bytes returned are the reference slices; 416 exactly when nothing is satisfiable', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .constantFrom(...SIZES)
            .chain((size) => fc.tuple(fc.constant(size), fc.array(specFor(size), { minLength: 1, maxLength: 4 }))),
          async ([size, specs]) => {
            const file = files.get(size) as Buffer;
            const r = await get(size, 'bytes=' + specs.map(specText).join(','));
            const satisfiable = specs.map((s) => covered(s, size)).filter((s): s is number[] => s !== null);
            const requested = satisfiable.reduce((n, s) => n + s.length, 0);
            expect(Number(r.headers.get('content-length'))).toBe(r.body.length);
            if (r.status === 416) {
              expect(satisfiable).toEqual([]);
              expect(r.headers.get('content-range')).toBe(`bytes */${size}`);
              return;
            }
            if (r.status === 200) {
              expect(requested > size || (size === 0 && specs.some((s) => 'suffix' in s && s.suffix > 0))).toBe(true);
              expect(r.body.equals(file)).toBe(true);
              return;
            }
            expect(r.status).toBe(206);
            const wanted = new Set(satisfiable.flat());
            const type = r.headers.get('content-type') ?? '';
            const boundary = /^multipart\/byteranges; boundary=(\S+)$/.exec(type)?.[1];
            const got = boundary
              ? parts(r.body, boundary)
              : [{ ...rangeOf(r.headers.get('content-range') ?? ''), bytes: r.body }];
            const positions: number[] = [];
            for (const part of got) {
              expect(part.bytes.equals(file.subarray(part.start, part.end + 1))).toBe(true);
              for (let p = part.start; p <= part.end; p++) positions.push(p);
            }
            expect(new Set(positions)).toEqual(wanted);
            expect(positions.length).toBe(wanted.size);
          },
        ),
        { seed: SEED, numRuns: 400 },
      );
    }, 60_000);

    function rangeOf(contentRange: string): { start: number; end: number } {
      const m = /^bytes (\d+)-(\d+)\/\d+$/.exec(contentRange);
      if (!m) throw new Error(`bad Content-Range: ${contentRange}`);
      return { start: Number(m[1]), end: Number(m[2]) };
    }

    const junk = fc.oneof(
      fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '')),
      fc.constantFrom(
        'bytes',
        'bytes=',
        'bytes=-',
        'bytes=5-2',
        'bytes=a-b',
        'bytes=1-2-3',
        'bytes=--1',
        'bytes= 1-2',
        'bytes=1 -2',
        'items=0-1',
        'bytes=0x10-20',
        'bytes=99999999999999999999-',
        'bytes=-99999999999999999999',
        'bytes=1-2;q=1',
        'bytes=,',
        'BYTES=0-0',
        'bytes=0-0,-1',
        '=0-1',
      ),
      fc
        .tuple(fc.constantFrom('bytes=', 'bytes =', 'bites='), fc.string({ maxLength: 12 }))
        .map(([a, b]) => (a + b).replace(/[\r\n]/g, '')),
    );

    it('any other header: 200 with the whole file, 206 with correct slices, or 416 — never a 5xx, never wrong bytes', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...SIZES), junk, async (size, header) => {
          const file = files.get(size) as Buffer;
          const r = await get(size, header);
          expect([200, 206, 400, 416]).toContain(r.status);
          if (r.status === 200) expect(r.body.equals(file)).toBe(true);
          if (r.status === 206 && !r.headers.get('content-type')?.startsWith('multipart/')) {
            const { start, end } = rangeOf(r.headers.get('content-range') ?? '');
            expect(r.body.equals(file.subarray(start, end + 1))).toBe(true);
          }
        }),
        { seed: SEED, numRuns: 300 },
      );
    }, 60_000);
  });
});
