import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSubtitleBytes, SrtToVtt, srtToVtt } from '../../src/pages/srt.js';

describe('srtToVtt', () => {
  it('converts a plain SubRip file', () => {
    const srt =
      '1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nTwo\r\nlines\r\n';
    expect(srtToVtt(srt)).toBe(
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\n\n00:00:03.000 --> 00:00:04.000\nTwo\nlines\n',
    );
  });

  it.each([
    ['BOM and LF', '\uFEFF1\n00:00:01,000 --> 00:00:02,000\nA\n', '00:00:01.000 --> 00:00:02.000\nA'],
    ['CR only', '1\r00:00:01,000 --> 00:00:02,000\rA\r', '00:00:01.000 --> 00:00:02.000\nA'],
    ['dot separator and short fields', '1\n0:0:1.5 --> 0:0:2.25\nA\n', '00:00:01.500 --> 00:00:02.250\nA'],
    ['long hours', '1\n100:00:01,000 --> 100:00:02,000\nA\n', '100:00:01.000 --> 100:00:02.000\nA'],
    [
      'coordinates dropped',
      '1\n00:00:01,000 --> 00:00:02,000  X1:10 X2:20 Y1:5 Y2:9\nA\n',
      '00:00:01.000 --> 00:00:02.000\nA',
    ],
    [
      'no cue numbers',
      '00:00:01,000 --> 00:00:02,000\nA\n\n00:00:03,000 --> 00:00:04,000\nB\n',
      '00:00:01.000 --> 00:00:02.000\nA\n\n00:00:03.000 --> 00:00:04.000\nB',
    ],
    [
      'font tags and ASS overrides removed, i kept',
      '1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<font color="#ff0">Hi</font> <i>there</i>\n',
      '00:00:01.000 --> 00:00:02.000\nHi <i>there</i>',
    ],
    [
      'arrow inside text escaped',
      '1\n00:00:01,000 --> 00:00:02,000\na --> b\n',
      '00:00:01.000 --> 00:00:02.000\na --&gt; b',
    ],
    [
      'blank line inside a cue joins it',
      '1\n00:00:01,000 --> 00:00:02,000\nA\n\n\nstill A\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n',
      '00:00:01.000 --> 00:00:02.000\nA\nstill A\n\n00:00:03.000 --> 00:00:04.000\nB',
    ],
    ['a number as cue text stays text', '1\n00:00:01,000 --> 00:00:02,000\n42\n', '00:00:01.000 --> 00:00:02.000\n42'],
    [
      'garbage before the first cue ignored',
      'junk\n1\n00:00:01,000 --> 00:00:02,000\nA\n',
      '00:00:01.000 --> 00:00:02.000\nA',
    ],
    [
      'empty cue dropped',
      '1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n',
      '00:00:03.000 --> 00:00:04.000\nB',
    ],
  ])('%s', (_label, srt, cues) => {
    expect(srtToVtt(srt)).toBe(`WEBVTT\n\n${cues}\n`);
  });

  it('an empty or cue-less file is a valid empty WebVTT file', () => {
    expect(srtToVtt('')).toBe('WEBVTT\n\n');
    expect(srtToVtt('not subtitles at all')).toBe('WEBVTT\n\n');
  });
});

describe('decodeSubtitleBytes', () => {
  it('reads UTF-8, and falls back to Windows-1252 for older files', () => {
    expect(decodeSubtitleBytes(new TextEncoder().encode('Grüße'))).toBe('Grüße');
    expect(decodeSubtitleBytes(Uint8Array.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x80]))).toBe('Grüße€');
  });
});

describe('SrtToVtt (streaming)', () => {
  const sample =
    '\uFEFF1\r\n00:00:01,000 --> 00:00:02,000\r\nHello <font color="red">there</font>\r\n\r\n2\r\n00:00:03,5 --> 00:00:04,000\r\n42\r\n\r\nstill cue two\r\n\r\n3\r\n00:00:05,000 --> 00:00:06,000\r\n\r\n4\n00:00:07,000 --> 00:00:08,000\n{\\an8}Top\n7';

  it('gives the same WebVTT however the text is cut into pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: sample.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const converter = new SrtToVtt();
        let out = '';
        let from = 0;
        for (const at of [...points, sample.length]) {
          out += converter.push(sample.slice(from, at));
          from = at;
        }
        return out + converter.end() === srtToVtt(sample);
      }),
    );
  });

  it('emits finished cues as it goes, holding back only the last one', () => {
    const converter = new SrtToVtt();
    expect(converter.push('1\n00:00:01,000 --> 00:00:02,000\nOne\n\n2\n00:00:03,000 --> 00:00:04,000\nT')).toBe(
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne',
    );
    expect(converter.end()).toBe('\n\n00:00:03.000 --> 00:00:04.000\nT\n');
  });
});
