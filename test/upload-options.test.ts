/**
 * The upload options of serveDirectory / createAquaServer (issue 16), checked when the handler is created like
 * the others (issue 11): a TypeError naming the option for a wrong type, a RangeError for a bad value or for
 * uploads open to anyone without saying so; and the CLI's size and duration parsers, row by row.
 */
import { describe, expect, it } from 'vitest';
import { serveDirectory, type ServeOptions } from '../src/index.js';
import { parseDuration, parseSize } from '../src/upload/options.js';

describe('upload options', () => {
  it.each([
    ['upload', {}, TypeError],
    ['upload', 1, TypeError],
    ['upload', null, TypeError],
    ['uploadOverwrite', 'no', TypeError],
    ['uploadAnonymous', 1, TypeError],
    ['uploadMaxSize', '10G', TypeError],
    ['uploadMaxSize', 0, RangeError],
    ['uploadMaxSize', 1.5, RangeError],
    ['uploadExpireSeconds', '1h', TypeError],
    ['uploadExpireSeconds', -1, RangeError],
  ])('%s: %j → %o naming it', (name, value, type) => {
    const options = { uploadAnonymous: true, upload: true, [name]: value } as unknown as ServeOptions;
    expect(() => serveDirectory('.', options)).toThrow(type);
    expect(() => serveDirectory('.', options)).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it.each([
    ['upload with no authentication', { upload: true }, /needs authentication/],
    ['upload into .. ', { upload: '../up', uploadAnonymous: true }, /cannot name a folder/],
  ])('%s → RangeError', (_what, options, message) => {
    expect(() => serveDirectory('.', options)).toThrow(RangeError);
    expect(() => serveDirectory('.', options)).toThrow(message);
  });

  it.each([
    [{ upload: true, uploadAnonymous: true }],
    [{ upload: 'incoming', private: true, uploadMaxSize: 1024, uploadExpireSeconds: 0.5 }],
    [{ upload: false }],
    [{}],
  ])('%j is accepted', (options: ServeOptions) => {
    const handler = serveDirectory('.', options);
    handler.close();
  });
});

describe('parseSize', () => {
  it.each([
    ['1', 1],
    ['500', 500],
    ['2k', 2048],
    ['2K', 2048],
    ['10M', 10 * 2 ** 20],
    ['10MiB', 10 * 2 ** 20],
    ['1G', 2 ** 30],
    ['20gb', 20 * 2 ** 30],
    ['1T', 2 ** 40],
  ])('%s → %i', (text, bytes) => {
    expect(parseSize(text, '--upload-max-size')).toBe(bytes);
  });

  it.each([[''], ['0'], ['-1'], ['1.5G'], ['12Q'], ['G'], ['1 2']])('%j → RangeError naming the flag', (text) => {
    expect(() => parseSize(text, '--upload-max-size')).toThrow(/--upload-max-size/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['1.5', 1.5],
    ['30m', 1800],
    ['36h', 129_600],
    ['7d', 604_800],
  ])('%s → %d seconds', (text, seconds) => {
    expect(parseDuration(text, '--upload-expire')).toBe(seconds);
  });

  it.each([[''], ['0'], ['soon'], ['1w'], ['-5m']])('%j → RangeError naming the flag', (text) => {
    expect(() => parseDuration(text, '--upload-expire')).toThrow(/--upload-expire/);
  });
});
