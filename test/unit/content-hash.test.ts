// The content hash and the verify digests against the conformance vectors
// (docs/conformance/), and the canonical JSON against an independent
// RFC 8785 implementation (`canonicalize`) on arbitrary records.
import { createHash } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { contentHash as serverContentHash } from '../../functions/core/content-hash.ts';
import { canonicalJson, contentHash, contentOf, TOMBSTONE_HASH } from '../../protocol/content-hash.ts';
import { digestOf } from '../../protocol/digest.ts';
import { firstIllFormedString } from '../../protocol/fields.ts';
import { parseDeviceChange, parseWebBody } from '../../protocol/records.ts';
import { contentHashCases, digestCases } from '../support/conformance.ts';
import { propertyParams } from '../support/property.ts';

describe('contentHash (docs/conformance/content-hash.json)', () => {
  it.each(contentHashCases.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(canonicalJson(contentOf(c.record))).toBe(c.canonical);
    expect(contentHash(c.record), "the SDK's, in pure JavaScript").toBe(c.contentHash);
    expect(serverContentHash(c.record), "the server's, with node:crypto").toBe(c.contentHash);
  });

  it('a tombstone\'s is written out once, and is the hash of {"deleted":true}', () => {
    expect(TOMBSTONE_HASH).toBe(contentHash({ id: 'x', updatedAt: 1, deleted: true }));
  });

  // JSON values of the kinds a record holds: no undefined, no non-finite numbers.
  const value = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.string({ unit: 'grapheme' }),
      fc.boolean(),
      fc.integer({ min: -1e12, max: 1e12 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
    ),
  })).value;

  test.prop([fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }), value, { maxKeys: 8 })], propertyParams(200))(
    'is RFC 8785 as `canonicalize` writes it, hashed as node:crypto hashes it',
    (record) => {
      expect(canonicalJson(record)).toBe(canonicalize(record));
      const expected = createHash('sha256')
        .update(Buffer.from(canonicalize(contentOf(record)) ?? '', 'utf8'))
        .digest('hex');
      expect(contentHash(record)).toBe(expected);
    },
  );
});

describe('strings must be well-formed Unicode', () => {
  it.each(contentHashCases.illFormed.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(firstIllFormedString(c.record)).toBe(c.path);
  });

  it('a pushed record holding one is invalid, and a web body 400, naming the path', () => {
    const product = { name: 'Kaffee \ud800', sku: 's', priceCents: 1, currency: 'EUR' };
    expect(parseDeviceChange('products', { id: 'p1', updatedAt: 1_764_000_000_000, ...product })).toStrictEqual({
      ok: false,
      issues: [{ path: 'name', message: 'must be well-formed Unicode (no lone surrogate)' }],
    });
    expect(parseWebBody('products', 'p1', product)).toMatchObject({ ok: false, issues: [{ path: 'name' }] });
  });

  it('a pair in the right order is well-formed, anywhere', () => {
    expect(firstIllFormedString({ a: ['😀', { 'é😀': 'x\ud83d\ude00' }] })).toBeNull();
  });
});

describe('verify digests v1 and v2 (docs/conformance/digests.json)', () => {
  it.each(digestCases.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(digestOf(c.records, 'v1')).toBe(c.v1);
    expect(digestOf(c.records, 'v2')).toBe(c.v2);
    expect(digestOf([...c.records].reverse(), 'v2')).toBe(c.v2);
  });
});
