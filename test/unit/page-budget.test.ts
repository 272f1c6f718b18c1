// A page sized for the bytes actually sent. Compressed, a page carries
// several times what a plain one could when its records compress, and never
// more than fits when they do not (high-entropy text comes out larger as
// gzip + base64 than as plain JSON). The property sends every accepted page
// through the same encoders the handler uses — measured here with node:zlib
// directly, not the budget's own code — and checks it fits.
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { faker } from '@faker-js/faker';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { ResponseEncoding } from '../../functions/http/compression.ts';
import { MAX_COMPRESSED_PAGE_PLAIN_BYTES, pageBudget, wireCost } from '../../functions/http/page-budget.ts';
import { propertyParams } from '../support/property.ts';

/** What the response's body takes in the proxy result: base64 of the body in `encoding`. */
function sentBytes(encoding: ResponseEncoding, records: unknown[]): number {
  const body = Buffer.from(JSON.stringify({ records }));
  const packed =
    encoding === 'br' ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }) : gzipSync(body);
  return packed.toString('base64').length;
}

/** Takes records until the budget says no; returns what it took. */
function fill(budget: ReturnType<typeof pageBudget>, next: (i: number) => unknown, max = 100_000): unknown[] {
  const taken: unknown[] = [];
  for (let i = 0; i < max; i++) {
    const record = next(i);
    if (!budget.take(record)) break;
    taken.push(record);
  }
  return taken;
}

faker.seed(7);
/** Distinct records (a repeated one would flatter brotli's large window). */
const catalogue = Array.from({ length: 6000 }, (_, i) => ({
  id: `p${i}`,
  updatedAt: 1_764_000_000_000 + i,
  name: faker.commerce.productName(),
  sku: faker.string.alphanumeric(10),
  priceCents: faker.number.int({ min: 100, max: 99_999 }),
  currency: 'EUR',
  description: faker.commerce.productDescription(),
}));
const noise = (i: number) => ({ id: `n${i}`, updatedAt: i, blob: randomBytes(600).toString('latin1') });
/** The least compressible JSON text there is: random printable ASCII that needs no escaping (~6.5 bits a byte). */
const PRINTABLE = Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)).filter(
  (c) => c !== '"' && c !== '\\',
);
const printable = (n: number) => Array.from(randomBytes(n), (b) => PRINTABLE[b % PRINTABLE.length]).join('');

const TOTAL = 256 * 1024;

describe('compressed page budget', () => {
  it.each(['gzip', 'br'] as const)('%s: a catalogue page carries several times a plain one, and fits', (encoding) => {
    const plain = fill(pageBudget(null, 0, TOTAL), (i) => catalogue[i]);
    const compressed = fill(pageBudget(encoding, 0, TOTAL), (i) => catalogue[i], catalogue.length);
    expect(compressed.length).toBeGreaterThan(3 * plain.length);
    expect(sentBytes(encoding, compressed)).toBeLessThanOrEqual(TOTAL);
    // And it is not wasteful: the page is more than 80% full.
    expect(sentBytes(encoding, compressed)).toBeGreaterThan(0.8 * TOTAL);
  });

  it.each(['gzip', 'br'] as const)('%s: incompressible records still fit, and fill most of the page', (encoding) => {
    const taken = fill(pageBudget(encoding, 0, TOTAL), (i) =>
      i % 2 ? noise(i) : { id: `a${i}`, text: printable(900) },
    );
    const sent = sentBytes(encoding, taken);
    expect(sent).toBeLessThanOrEqual(TOTAL);
    expect(sent).toBeGreaterThan(0.8 * TOTAL);
  });

  it.each(['gzip', 'br'] as const)(
    '%s: a page that ends before the budget does (the collection ran out) fits too',
    (encoding) => {
      // Records nothing measured yet: they are charged as if they did not compress, and these barely do.
      for (const available of [100, 200, 230, 250, 300]) {
        const taken = fill(pageBudget(encoding, 0, TOTAL), (i) => ({ id: `a${i}`, text: printable(1000) }), available);
        expect(sentBytes(encoding, taken)).toBeLessThanOrEqual(TOTAL);
      }
    },
  );

  it('charges the reservation first', () => {
    const whole = fill(pageBudget('gzip', 0, TOTAL), noise).length;
    const reserved = fill(pageBudget('gzip', TOTAL / 2, TOTAL), noise).length;
    expect(reserved).toBeLessThan(whole * 0.6);
  });

  it('holds at most MAX_COMPRESSED_PAGE_PLAIN_BYTES of plain JSON, however well it compresses', () => {
    const zeros = { id: 'z', text: '0'.repeat(64 * 1024) };
    const taken = fill(pageBudget('gzip'), () => zeros, 10_000);
    const plainBytes = taken.length * (JSON.stringify(zeros).length + 1);
    expect(plainBytes).toBeLessThanOrEqual(MAX_COMPRESSED_PAGE_PLAIN_BYTES);
    expect(plainBytes).toBeGreaterThan(MAX_COMPRESSED_PAGE_PLAIN_BYTES - 2 * 64 * 1024);
  });
});

describe('property: whatever the records, a compressed page fits what is sent', () => {
  const record = fc.oneof(
    fc.integer({ min: 0, max: 5999 }).map((i) => catalogue[i]),
    fc.integer({ min: 1, max: 4000 }).map((n) => ({ id: 'r', blob: randomBytes(n).toString('base64') })),
    fc.integer({ min: 1, max: 8000 }).map((n) => ({ id: 'a', text: printable(n) })),
    fc.string({ unit: 'binary', maxLength: 3000 }).map((text) => ({ id: 's', text })),
    fc.integer({ min: 1, max: 20_000 }).map((n) => ({ id: 'q', text: '"'.repeat(n) })),
  );
  test.prop(
    [
      fc.constantFrom<ResponseEncoding>('gzip', 'br'),
      fc.array(record, { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 0, max: 40_000 }),
      fc.integer({ min: 1, max: 2000 }),
    ],
    propertyParams(40),
  )('every accepted page, sent in its encoding, fits the budget', (encoding, records, reserved, available) => {
    const total = 96 * 1024;
    // The page ends where the budget says no, or where the records run out (the collection's end, the limit).
    const taken = fill(pageBudget(encoding, reserved, total), (i) => records[i % records.length], available);
    // The reservation is charged as if it did not compress: the records get at most what is left.
    expect(sentBytes(encoding, taken)).toBeLessThanOrEqual(total - reserved + 64);
  });
});

describe('plain page budget', () => {
  it('is the escaped size, as before', () => {
    const taken = fill(pageBudget(null, 0, 10_000), (i) => catalogue[i]);
    const cost = taken.reduce<number>((n, r) => n + wireCost(r), 0);
    expect(cost).toBeLessThanOrEqual(10_000);
    expect(cost + wireCost(catalogue[taken.length])).toBeGreaterThan(10_000);
  });
});
