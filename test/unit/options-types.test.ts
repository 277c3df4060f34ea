// Options are checked by type when the handler is created (issue 11): a string where a boolean belongs
// must not quietly turn a policy on (`dotfiles: 'deny'` served /.env), and a missing or empty root must
// not serve the working folder or answer 500 to every request.
import { describe, expect, it } from 'vitest';
import { serveDirectory, type ServeOptions } from '../../src/index.js';

describe('serveDirectory checks its options when it is created', () => {
  it.each([
    ['dotfiles', 'deny'],
    ['dotfiles', 'ignore'],
    ['dotfiles', 'false'],
    ['followSymlinks', 'no'],
    ['index', 0],
    ['listing', 'yes'],
    ['cors', 1],
    ['archives', 'off'],
    ['private', null],
  ])('%s: %j → TypeError naming the option', (name, value) => {
    const options = { [name]: value } as unknown as ServeOptions;
    expect(() => serveDirectory('.', options)).toThrow(TypeError);
    expect(() => serveDirectory('.', options)).toThrow(new RegExp(`\\b${name}\\b`));
  });

  it.each([[''], [undefined], [42], [null], [{}]])('root %j → TypeError', (root) => {
    expect(() => serveDirectory(root as unknown as string)).toThrow(TypeError);
    expect(() => serveDirectory(root as unknown as string)).toThrow(/root/);
  });

  it('booleans, and options left out, are accepted', () => {
    expect(() => serveDirectory('.', { dotfiles: true, followSymlinks: false, cors: true })).not.toThrow();
    expect(() => serveDirectory('.', {})).not.toThrow();
  });
});
