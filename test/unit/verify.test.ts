// Verify's pure core (core/verify.ts), as tables: the digest against vectors
// computed here with node:crypto straight from the protocol's definition
// (never with the server's own function), where a page stops, and how a
// page is split into parts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Part, pageExtent, splitIntoParts, type Version } from '../../functions/core/verify.ts';
import { digestOf, EMPTY_DIGEST, versionShare as versionHash } from '../../protocol/digest.ts';

/** The protocol's definition, written out: SHA-256 of `id \n updatedAt`, first 8 bytes big-endian. */
const share = (id: string, updatedAt: number) =>
  BigInt(`0x${createHash('sha256').update(`${id}\n${updatedAt}`, 'utf8').digest('hex').slice(0, 16)}`);
/** Shares summed modulo 2^64, 16 lowercase hex digits. */
const digestByHand = (records: [string, number][]) =>
  (records.reduce((sum, [id, at]) => sum + share(id, at), 0n) % 2n ** 64n).toString(16).padStart(16, '0');

const T = 1_764_000_000_000;
const live = (id: string, updatedAt = T): Version => ({ id, updatedAt, deleted: false });
const dead = (id: string, updatedAt = T): Version => ({ id, updatedAt, deleted: true });

describe('the digest', () => {
  const rows: [string, [string, number][], string][] = [
    ['no records', [], '0000000000000000'],
    // sha256("p1\n5") = 08f27c14ec1cf7f3e268…
    ['{p1, 5}: the first 8 bytes of sha256("p1\\n5")', [['p1', 5]], '08f27c14ec1cf7f3'],
    // sha256("p2\n1764000000000") = 911426e7236caaa5…
    ['{p2, 1764000000000}', [['p2', T]], '911426e7236caaa5'],
    [
      'a set: the sum of the shares',
      [
        ['p1', 5],
        ['p2', T],
      ],
      '9a06a2fc0f89a298',
    ],
    [
      'a sum past 2^64 wraps: fd9885dc127b02a1 + fdb750cada3b2805 = 1fb4fd6a6ecb62aa6',
      [
        ['w10', T],
        ['w30', T],
      ],
      'fb4fd6a6ecb62aa6',
    ],
  ];
  it.each(rows)('%s', (_, records, expected) => {
    expect(digestByHand(records), 'the vector itself').toBe(expected);
    expect(digestOf(records.map(([id, updatedAt]) => ({ id, updatedAt })))).toBe(expected);
  });

  it('a record’s share is its 8 bytes, read unsigned and big-endian', () => {
    expect(versionHash({ id: 'p1', updatedAt: 5 })).toBe(0x08f27c14ec1cf7f3n);
    expect(versionHash({ id: 'w10', updatedAt: T })).toBe(0xfd9885dc127b02a1n); // top bit set: unsigned, not negative
  });

  it('the empty set is sixteen zeros', () => {
    expect(digestOf([])).toBe(EMPTY_DIGEST);
    expect(EMPTY_DIGEST).toBe('0'.repeat(16));
  });

  it('does not depend on order', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ id: `r${i}`, updatedAt: T + i }));
    const reversed = [...records].reverse();
    const strided = records.map((_, i) => records[(i * 7) % records.length]!); // 7 and 50 are coprime: a permutation
    expect(digestOf(reversed)).toBe(digestOf(records));
    expect(digestOf(strided)).toBe(digestOf(records));
    expect(digestOf(records)).toBe(digestByHand(records.map((r) => [r.id, r.updatedAt])));
  });

  it('changes with the version: the same id at another updatedAt is another digest', () => {
    expect(digestOf([{ id: 'p1', updatedAt: T }])).not.toBe(digestOf([{ id: 'p1', updatedAt: T + 1 }]));
  });

  it('hashes the id as UTF-8 and updatedAt in decimal, with no exponent for large stamps', () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(digestOf([{ id: 'a.b:c-d_e', updatedAt: max }])).toBe(digestByHand([['a.b:c-d_e', max]]));
    expect(`${max}`).toBe('9007199254740991');
  });
});

describe('pageExtent: where a page stops', () => {
  const read = [live('a'), dead('b'), live('c'), live('d')];
  const rows: [
    string,
    Version[],
    { id: string } | undefined,
    string | null,
    Version[],
    string | null,
    string | null,
  ][] = [
    ['read to the end, unbounded: covers all, ends at to', read, undefined, null, read, null, null],
    ['read to the end of [·, e): ends at e', read, undefined, 'e', read, 'e', null],
    [
      'cut short after d: ends at d, which the next page starts at',
      read,
      { id: 'd' },
      null,
      [live('a'), dead('b'), live('c')],
      'd',
      'd',
    ],
    [
      'cut short on a tombstone: a tombstone id is a boundary like any other',
      [live('a'), dead('b')],
      { id: 'b' },
      'z',
      [live('a')],
      'b',
      'b',
    ],
    ['cut short exactly at to: nothing is left, the range is done', read, { id: 'e' }, 'e', read, 'e', null],
    ['nothing read', [], undefined, 'e', [], 'e', null],
  ];
  it.each(rows)('%s', (_, versions, next, to, covered, end, resume) => {
    expect(pageExtent(versions, next, to)).toStrictEqual({ covered, end, resume });
  });
});

describe('splitIntoParts', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => live(`r${String(i).padStart(3, '0')}`));
  const digest = (records: Version[]) => digestByHand(records.map((r) => [r.id, r.updatedAt]));
  const shape = (parts: Part[]) => parts.map((p) => [p.from, p.to, p.count]);

  const rows: [string, Version[], string | null, string | null, number, (string | number | null)[][]][] = [
    ['an empty range: one part of count 0', [], null, null, 16, [[null, null, 0]]],
    ['an empty bounded range keeps its bounds', [], 'a', 'b', 4, [['a', 'b', 0]]],
    ['parts = 1: the whole range', ids(5), null, null, 1, [[null, null, 5]]],
    [
      'more parts than records: one record a part',
      ids(3),
      'r',
      's',
      16,
      [
        ['r', 'r001', 1],
        ['r001', 'r002', 1],
        ['r002', 's', 1],
      ],
    ],
    [
      '10 records in 4 parts: 3, 3, 2, 2',
      ids(10),
      null,
      null,
      4,
      [
        [null, 'r003', 3],
        ['r003', 'r006', 3],
        ['r006', 'r008', 2],
        ['r008', null, 2],
      ],
    ],
    [
      '8 records in 4 parts: 2 each',
      ids(8),
      'r000',
      'r999',
      4,
      [
        ['r000', 'r002', 2],
        ['r002', 'r004', 2],
        ['r004', 'r006', 2],
        ['r006', 'r999', 2],
      ],
    ],
  ];
  it.each(rows)('%s', (_, records, from, to, parts, expected) => {
    const split = splitIntoParts(records, from, to, parts);
    expect(shape(split)).toStrictEqual(expected);
    let at = 0;
    for (const part of split) {
      expect(part.digest).toBe(digest(records.slice(at, at + part.count)));
      at += part.count;
    }
  });

  it.each([1, 2, 7, 16, 64])('1,000 records in %i parts: consecutive, covering [from, to), counts within one', (n) => {
    const records = ids(1000);
    const split = splitIntoParts(records, 'a', 'z', n);
    expect(split).toHaveLength(n);
    expect(split[0]!.from).toBe('a');
    expect(split.at(-1)!.to).toBe('z');
    for (let k = 1; k < split.length; k++) expect(split[k]!.from).toBe(split[k - 1]!.to);
    const counts = split.map((p) => p.count);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    // Each part holds exactly the records of its range: the boundary is a real id, the first of its part.
    for (const part of split) {
      const inside = records.filter(
        (r) => (part.from === null || r.id >= part.from) && (part.to === null || r.id < part.to),
      );
      expect(inside).toHaveLength(part.count);
      expect(part.digest).toBe(digest(inside));
    }
  });
});
