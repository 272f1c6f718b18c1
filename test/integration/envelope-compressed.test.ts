// Compressed pages are sized on the bytes actually sent: over real HTTP
// against the local server, a gzip or br page carries several plain pages
// of compressible text and still fits as base64, and text that does not
// compress is charged in full (the other envelope cases: envelope.test.ts).
import { randomBytes } from 'node:crypto';
import { faker } from '@faker-js/faker';
import { describe, expect, it } from 'vitest';
import { LAMBDA_PAYLOAD_BYTES } from '../../functions/http/page-budget.ts';
import { envelopeHarness } from '../support/envelope.ts';

const envelope = envelopeHarness();
const { withinEnvelope, seedProducts, syncPass, idsOf } = envelope;

describe('compressed pages: sized on the bytes actually sent', () => {
  const pass = async (account: string, acceptEncoding: string) => {
    const api = await envelope.stack.as(account, 'alice', { 'accept-encoding': acceptEncoding });
    return withinEnvelope(() => syncPass(api, 'ipad-1', null, { limit: 1000 }));
  };

  it('catalogue-like text: a gzip or br page carries several plain pages, and fits as base64', async () => {
    // A catalogue: 1,100 products of ~12 KB of varied product copy each (fixed seed), ~13 MB: past the schema's 5,000
    // characters (written straight to the table), so a plain page ends on bytes (~500 records), not on `limit`.
    faker.seed(12);
    const account = envelope.stack.newAccount();
    const copy = () => {
      let text = '';
      while (text.length < 11_800) text += `${faker.commerce.productDescription()} `;
      return text.slice(0, 12_000);
    };
    await seedProducts(account, 1100, copy, () => faker.commerce.productName());
    const plain = await pass(account, 'identity');
    const gzip = await pass(account, 'gzip');
    const br = await pass(account, 'br');
    for (const run of [plain, gzip, br]) expect(new Set(idsOf(run.result.pages, 'products')).size).toBe(1100);
    expect(plain.result.pages.length).toBeGreaterThanOrEqual(3);
    expect(gzip.result.pages.length).toBeLessThan(plain.result.pages.length);
    expect(br.result.pages.length).toBeLessThan(plain.result.pages.length);
  });

  it('non-ASCII text: a page sized compressed goes out compressed (its plain UTF-8 would not fit)', async () => {
    const account = envelope.stack.newAccount();
    // 2,048 common CJK characters: 3 bytes each in UTF-8, about 11 bits of information.
    const cjk = (n: number) => {
      const bytes = randomBytes(2 * n);
      return Array.from({ length: n }, (_, i) => String.fromCharCode(0x4e00 + (bytes.readUInt16BE(2 * i) % 2048))).join(
        '',
      );
    };
    await seedProducts(account, 600, () => cjk(5000));
    for (const encoding of ['gzip', 'br']) {
      const run = await pass(account, encoding);
      expect(new Set(idsOf(run.result.pages, 'products')).size).toBe(600);
    }
  });

  it('high-entropy text: compressed + base64 is larger than plain, and the page is still sized to fit', async () => {
    const account = envelope.stack.newAccount();
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 !#$%&()*+,-./:;<=>?@[]^_{|}~';
    const noise = (n: number) => Array.from(randomBytes(n), (b) => chars[b % chars.length]).join('');
    // 8,000 characters, past the schema's 5,000 (written straight to the table), so pages end on bytes, not on `limit`.
    await seedProducts(account, 900, () => noise(8000));
    for (const encoding of ['gzip', 'br']) {
      const run = await pass(account, encoding);
      expect(new Set(idsOf(run.result.pages, 'products')).size).toBe(900);
      expect(run.result.pages.length).toBeGreaterThan(1);
      expect(run.largest).toBeGreaterThan(0.9 * LAMBDA_PAYLOAD_BYTES); // full pages, not timid ones
    }
  });
});

it('no 502 was ever needed: nothing this file provoked passed the payload limit', () => {
  expect(envelope.loud.filter((line) => line.includes('502'))).toEqual([]);
});
