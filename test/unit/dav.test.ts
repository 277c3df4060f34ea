/**
 * The pure parts of WebDAV (src/dav/): the bounded XML reader (namespaces resolved, DTDs and unknown entities
 * refused, bounds), the `If` header parser, the `Timeout` header, and the lock store's conflict rules.
 */
import { describe, expect, it } from 'vitest';
import { parseIf, submittedTokens } from '../../src/dav/if-header.js';
import { LockStore, parseTimeout, MAX_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS } from '../../src/dav/locks.js';
import { DeadProps } from '../../src/dav/props.js';
import { elements, MAX_DEPTH, parseXml, serializeXml, textOf, XmlError } from '../../src/dav/xml.js';

describe('parseXml', () => {
  it('resolves prefixes and default namespaces, attributes unprefixed have none', () => {
    const root = parseXml(
      '<?xml version="1.0"?><x:propfind xmlns:x="DAV:" xmlns="urn:d"><x:prop><a b="1" x:c="2"/></x:prop></x:propfind>',
    );
    expect([root.ns, root.name]).toEqual(['DAV:', 'propfind']);
    const [prop] = elements(root);
    const [a] = elements(prop!);
    expect([a!.ns, a!.name]).toEqual(['urn:d', 'a']);
    expect(a!.attrs).toEqual([
      { ns: '', name: 'b', value: '1' },
      { ns: 'DAV:', name: 'c', value: '2' },
    ]);
  });

  it.each([
    ['a DTD', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['an unknown entity', '<a>&x;</a>'],
    ['an undeclared prefix', '<p:a/>'],
    ['an empty prefix declaration', '<a xmlns:p=""/>'],
    ['a mismatched end tag', '<a></b>'],
    ['two roots', '<a/><b/>'],
    ['text only', 'hello'],
    ['an unterminated element', '<a><b></b>'],
    ['a repeated attribute', '<a x="1" x="2"/>'],
    ['a bad character reference', '<a>&#0;</a>'],
  ])('refuses %s', (_, text) => {
    expect(() => parseXml(text)).toThrow(XmlError);
  });

  it('decodes the predefined entities, character references and CDATA', () => {
    const el = parseXml('<a>&lt;&amp;&gt;&quot;&apos;&#x1F600;&#65;<![CDATA[<raw>]]></a>');
    expect(textOf(el)).toBe('<&>"\'😀A<raw>');
  });

  it('bounds the depth', () => {
    const deep = '<a>'.repeat(MAX_DEPTH + 1) + '</a>'.repeat(MAX_DEPTH + 1);
    expect(() => parseXml(deep)).toThrow(/deeply/);
    const ok = '<a>'.repeat(MAX_DEPTH) + '</a>'.repeat(MAX_DEPTH);
    expect(parseXml(ok).name).toBe('a');
  });

  it('serializes an element so that it reads back the same, namespaces included', () => {
    const text = '<p:v xmlns:p="urn:p" xmlns:q="urn:q" q:at="&lt;1&gt;"><inner xmlns="">t &amp; u</inner><q:x/></p:v>';
    const once = parseXml(text);
    const again = parseXml(serializeXml(once));
    expect(again).toEqual(once);
  });
});

describe('parseIf', () => {
  it.each([
    ['(<opaquelocktoken:a>)', [{ resource: null, conditions: [{ not: false, token: 'opaquelocktoken:a' }] }]],
    [
      '(<t1> ["e1"]) (Not <DAV:no-lock>)',
      [
        {
          resource: null,
          conditions: [
            { not: false, token: 't1' },
            { not: false, etag: '"e1"' },
          ],
        },
        { resource: null, conditions: [{ not: true, token: 'DAV:no-lock' }] },
      ],
    ],
    [
      '<http://h/a> (<t1>) <http://h/b> (NOT ["x"])',
      [
        { resource: 'http://h/a', conditions: [{ not: false, token: 't1' }] },
        { resource: 'http://h/b', conditions: [{ not: true, etag: '"x"' }] },
      ],
    ],
  ])('%s', (header, expected) => {
    expect(parseIf(header)).toEqual(expected);
  });

  it.each(['(', '()', '<a>', '(<a>', 'junk', '(foo)'])('refuses %j with 400', (header) => {
    expect(() => parseIf(header)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('submits the tokens that are not negated', () => {
    expect([...submittedTokens(parseIf('(<a>) (Not <b>) <x> (<c>)'))]).toEqual(['a', 'c']);
  });
});

describe('parseTimeout', () => {
  it.each([
    [undefined, DEFAULT_TIMEOUT_SECONDS],
    ['Second-60', 60],
    ['Infinite, Second-4100000000', MAX_TIMEOUT_SECONDS],
    ['Second-99999999999', MAX_TIMEOUT_SECONDS],
    ['bogus, Second-5', 5],
    ['bogus', DEFAULT_TIMEOUT_SECONDS],
  ])('%s → %d', (header, seconds) => {
    expect(parseTimeout(header)).toBe(seconds);
  });
});

describe('LockStore', () => {
  const spec = (segments: string[], scope: 'exclusive' | 'shared', depth: '0' | 'infinity' = 'infinity') => ({
    segments,
    href: '/' + segments.join('/'),
    depth,
    scope,
    owner: '',
    timeoutSeconds: 60,
  });

  it('an exclusive lock conflicts with any other on it, above it (depth infinity) or below it', () => {
    const store = new LockStore();
    store.create(spec(['a'], 'exclusive'));
    expect(() => store.create(spec(['a'], 'shared'))).toThrow(expect.objectContaining({ status: 423 }));
    expect(() => store.create(spec(['a', 'b'], 'exclusive'))).toThrow(expect.objectContaining({ status: 423 }));
    expect(() => store.create(spec([], 'exclusive'))).toThrow(expect.objectContaining({ status: 423 }));
    expect(store.create(spec(['ab'], 'exclusive')).key).toBe('/ab');
  });

  it('shared locks share; a depth-0 lock does not cover what is below', () => {
    const store = new LockStore();
    store.create(spec(['s'], 'shared'));
    store.create(spec(['s'], 'shared'));
    expect(store.covering('/s')).toHaveLength(2);
    store.create(spec(['d'], 'exclusive', '0'));
    expect(store.covering('/d/x')).toEqual([]);
    expect(store.create(spec(['d', 'x'], 'exclusive')).key).toBe('/d/x');
  });

  it('expires locks after their timeout', () => {
    let now = 1_000_000;
    const store = new LockStore(() => now);
    const lock = store.create(spec(['t'], 'exclusive'));
    expect(store.get(lock.token)).toBe(lock);
    now += 61_000;
    expect(store.get(lock.token)).toBeUndefined();
    expect(store.covering('/t')).toEqual([]);
  });
});

describe('DeadProps', () => {
  const el = (ns: string, name: string, value: string) => parseXml(`<${name} xmlns="${ns}">${value}</${name}>`);

  it('applies set and remove in order, and moves, copies and removes with the resource', () => {
    const props = new DeadProps();
    props.apply('/a', [
      { remove: false, prop: el('urn:x', 'p', '1') },
      { remove: false, prop: el('urn:x', 'q', '2') },
      { remove: true, prop: el('urn:x', 'p', '') },
    ]);
    expect(props.list('/a').map((p) => p.name)).toEqual(['q']);
    props.apply('/a/b', [{ remove: false, prop: el('urn:x', 'r', '3') }]);
    props.copy('/a', '/c');
    expect(props.find('/c/b', 'urn:x', 'r')?.xml).toBe('<r xmlns="urn:x">3</r>');
    props.move('/a', '/m');
    expect(props.list('/a')).toEqual([]);
    expect(props.list('/m/b')).toHaveLength(1);
    props.remove('/m');
    expect(props.list('/m/b')).toEqual([]);
    expect(props.list('/c')).toHaveLength(1);
  });
});
