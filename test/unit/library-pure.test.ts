import { describe, expect, it } from 'vitest';
import { fold, matchesAll, queryWords, TopN } from '../../src/fs/search.js';
import { adjacentSeason, seasonOf } from '../../src/pages/view/siblings.js';
import { isLoopback, isWildcard } from '../../src/http/lan.js';

describe('fold and match (the search of ?q=)', () => {
  it.each([
    ['Amélie', 'amelie'],
    ['Ame\u0301lie', 'amelie'], // NFD, as macOS writes names
    ['AMÉLIE', 'amelie'],
    ['ﬁlm²', 'film2'], // compatibility forms
    ['Crème Brûlée', 'creme brulee'],
    ['Ærø', 'ærø'], // letters that are not a base plus a mark stay
  ])('%s folds to %s', (text, folded) => expect(fold(text)).toBe(folded));

  it.each([
    ['The Grand Budapest Hotel (2014).mp4', 'grand hotel', true],
    ['The Grand Budapest Hotel (2014).mp4', 'hotel GRAND', true],
    ['The Grand Budapest Hotel (2014).mp4', 'grand amelie', false],
    ['S01E01 - Pilot.mp4', '  pilot   ', true],
    ['Café Society.mp4', 'cafe', true],
  ])('%s matches %j: %s', (name, query, match) => expect(matchesAll(name, queryWords(query))).toBe(match));

  it('an empty query has no words', () => expect(queryWords(' \t ')).toEqual([]));
});

describe('TopN keeps the greatest few', () => {
  it('in order, whatever order they come in', () => {
    const top = new TopN<number>(3, (a, b) => a - b);
    for (const n of [5, 1, 9, 3, 7, 2, 8, 6, 4, 0]) top.add(n);
    expect(top.sorted()).toEqual([9, 8, 7]);
  });

  it('holds fewer when fewer came, and nothing with a size of 0', () => {
    const few = new TopN<number>(5, (a, b) => a - b);
    [2, 1].forEach((n) => few.add(n));
    expect(few.sorted()).toEqual([2, 1]);
    const none = new TopN<number>(0, (a, b) => a - b);
    none.add(1);
    expect(none.sorted()).toEqual([]);
  });

  it('matches a full sort on random input', () => {
    const values = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1009);
    const top = new TopN<number>(20, (a, b) => a - b);
    values.forEach((v) => top.add(v));
    expect(top.sorted()).toEqual([...values].sort((a, b) => b - a).slice(0, 20));
  });
});

describe('seasons (next across seasons)', () => {
  it.each([
    ['Season 1', 1],
    ['season_02', 2],
    ['Series 3', 3],
    ['Staffel 4', 4],
    ['S05', 5],
    ['s1', 1],
    ['Season One', null],
    ['Specials', null],
    ['Seasonal 1', null],
  ])('%s is season %s', (name, n) => expect(seasonOf(name)).toBe(n));

  it('the adjacent season is the nearest number up or down, names in any order', () => {
    const folders = ['Season 10', 'Season 2', 'Extras', 'Season 1', 'Season 3'];
    expect(adjacentSeason(folders, 1, 1)).toBe('Season 2');
    expect(adjacentSeason(folders, 3, 1)).toBe('Season 10');
    expect(adjacentSeason(folders, 10, 1)).toBeNull();
    expect(adjacentSeason(folders, 10, -1)).toBe('Season 3');
    expect(adjacentSeason(folders, 1, -1)).toBeNull();
  });
});

describe('addresses (share links use the LAN address)', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['192.168.1.2', false],
    ['fd00::2', false],
    [undefined, false],
  ])('%s is loopback: %s', (address, loopback) => expect(isLoopback(address)).toBe(loopback));

  it.each([
    ['::', true],
    ['0.0.0.0', true],
    ['127.0.0.1', false],
    ['192.168.1.2', false],
  ])('%s is every interface: %s', (address, wildcard) => expect(isWildcard(address)).toBe(wildcard));
});
