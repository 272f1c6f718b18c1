import { describe, expect, it } from 'vitest';
import { parseDeviceChange, parseWebBody } from '../../protocol/records.ts';
import { checkEnvelope, pushRequest, syncNowRequest } from '../../protocol/requests.ts';

const T = 1_764_000_000_000;
const product = { id: 'p1', updatedAt: T, name: 'Widget', sku: 'W-1', priceCents: 1299, currency: 'EUR' };
const order = {
  id: 'o1',
  updatedAt: T,
  customerId: 'c1',
  status: 'draft',
  currency: 'EUR',
  lines: [{ productId: 'p1', quantity: 2, unitPriceCents: 1299 }],
};

const issuePaths = (result: ReturnType<typeof parseDeviceChange>) =>
  result.ok ? [] : result.issues.map((i) => i.path);

describe('parseDeviceChange', () => {
  it('accepts a valid record of each collection', () => {
    expect(parseDeviceChange('products', { ...product, tags: ['new'], stockOnHand: -2 }).ok).toBe(true);
    expect(
      parseDeviceChange('customers', {
        id: 'c1',
        updatedAt: T,
        name: 'Ada',
        address: { line1: '1 Main St', city: 'Berlin', country: 'DE' },
      }).ok,
    ).toBe(true);
    expect(parseDeviceChange('orders', order).ok).toBe(true);
  });

  it('separates fields from sync metadata', () => {
    const parsed = parseDeviceChange('products', { ...product, deleted: false });
    expect(parsed).toStrictEqual({
      ok: true,
      change: {
        id: 'p1',
        updatedAt: T,
        deleted: false,
        base: null,
        fields: { name: 'Widget', sku: 'W-1', priceCents: 1299, currency: 'EUR' },
      },
    });
  });

  it('reads `base` (v1.3): the version the device edited, not a field', () => {
    expect(parseDeviceChange('products', { ...product, base: T - 5 })).toMatchObject({
      ok: true,
      change: { base: T - 5, fields: { name: 'Widget' } },
    });
    expect(parseDeviceChange('products', { ...product, base: null })).toMatchObject({
      ok: true,
      change: { base: null },
    });
    expect(parseDeviceChange('orders', { id: 'o9', updatedAt: T, deleted: true, base: T - 5 })).toStrictEqual({
      ok: true,
      change: { id: 'o9', updatedAt: T, deleted: true, base: T - 5 },
    });
  });

  it.each([
    ['0: never read as older than any retention', 0],
    ['a date before 2000', 946_684_800_000],
    ['past a safe integer', 2 ** 53],
    ['a string', '1764000000000'],
    ['a fraction', T + 0.5],
  ])('a base that is %s makes the record invalid', (_, base) => {
    const paths = (raw: unknown) => [...new Set(issuePaths(parseDeviceChange('products', raw)))];
    expect(paths({ ...product, base })).toStrictEqual(['base']);
    expect(paths({ id: 'p1', updatedAt: T, deleted: true, base })).toStrictEqual(['base']);
  });

  it('bounds stockOnHand to ±10^12 (v1.3)', () => {
    expect(parseDeviceChange('products', { ...product, stockOnHand: -1e12 }).ok).toBe(true);
    expect(issuePaths(parseDeviceChange('products', { ...product, stockOnHand: 1e12 + 1 }))).toStrictEqual([
      'stockOnHand',
    ]);
  });

  const invalid: [string, string, unknown, string][] = [
    ['unknown field is rejected, not dropped (named by its path)', 'products', { ...product, colour: 'red' }, 'colour'],
    [
      'unknown field in a nested object',
      'customers',
      { id: 'c1', updatedAt: T, name: 'A', address: { line1: 'x', city: 'y', country: 'DE', zip: 1 } },
      'address.zip',
    ],
    ['bad id', 'products', { ...product, id: '-starts-with-dash' }, 'id'],
    ['id too long', 'products', { ...product, id: 'a'.repeat(129) }, 'id'],
    ['updatedAt before 2000', 'products', { ...product, updatedAt: 946684800000 }, 'updatedAt'],
    ['updatedAt in seconds', 'products', { ...product, updatedAt: 1764000000 }, 'updatedAt'],
    ['updatedAt not an integer', 'products', { ...product, updatedAt: T + 0.5 }, 'updatedAt'],
    ['missing updatedAt', 'products', { ...product, updatedAt: undefined }, 'updatedAt'],
    ['price out of range', 'products', { ...product, priceCents: 1e12 + 1 }, 'priceCents'],
    ['lower-case currency', 'products', { ...product, currency: 'eur' }, 'currency'],
    ['too many tags', 'products', { ...product, tags: Array.from({ length: 51 }, () => 't') }, 'tags'],
    ['bad email', 'customers', { id: 'c1', updatedAt: T, name: 'A', email: 'not-an-email' }, 'email'],
    ['unknown order status', 'orders', { ...order, status: 'shipped' }, 'status'],
    ['order without lines', 'orders', { ...order, lines: [] }, 'lines'],
    [
      'quantity zero',
      'orders',
      { ...order, lines: [{ productId: 'p1', quantity: 0, unitPriceCents: 1 }] },
      'lines.0.quantity',
    ],
    ['deleted: "yes"', 'products', { ...product, deleted: 'yes' }, 'deleted'],
    ['not an object', 'products', 'p1', ''],
    ['updatedAt past the safe integers (2^53)', 'products', { ...product, updatedAt: 2 ** 53 }, 'updatedAt'],
  ];
  for (const [name, collection, raw, path] of invalid) {
    it(`rejects: ${name}`, () => {
      const result = parseDeviceChange(collection as 'products', raw);
      expect(result.ok).toBe(false);
      if (path) expect(issuePaths(result)).toContain(path);
    });
  }

  it('rejects a record over 64 KiB serialized', () => {
    const huge = {
      ...order,
      lines: Array.from({ length: 500 }, (_, i) => ({
        productId: `p-${'x'.repeat(120)}-${i}`,
        quantity: 1,
        unitPriceCents: 1,
      })),
    };
    const result = parseDeviceChange('orders', huge);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.issues[0]!.message).toMatch(/larger than 65536 bytes/);
  });

  it('accepts updatedAt up to 2^53 − 1, the largest safe integer', () => {
    expect(parseDeviceChange('products', { ...product, updatedAt: Number.MAX_SAFE_INTEGER }).ok).toBe(true);
  });

  it('ignores an updatedBy sent back with a fetched record, live or tombstone', () => {
    const updatedBy = { userId: 'bob', deviceId: null };
    expect(parseDeviceChange('products', { ...product, updatedBy })).toStrictEqual(
      parseDeviceChange('products', product),
    );
    expect(parseDeviceChange('products', { id: 'p1', updatedAt: T, deleted: true, updatedBy }).ok).toBe(true);
  });

  it('reports at most 20 issues, each path and message at most 200 characters, never quoting the input', () => {
    const hostile = {
      ...order,
      lines: Array.from({ length: 500 }, () => ({})),
      ['"'.repeat(100_000)]: 'x'.repeat(100_000),
    };
    const result = parseDeviceChange('orders', hostile);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues).toHaveLength(20);
    for (const issue of issues) {
      expect(issue.path.length).toBeLessThanOrEqual(200);
      expect(issue.message.length).toBeLessThanOrEqual(200);
      expect(issue.message).not.toMatch(/xxx/);
    }
    expect(JSON.stringify(issues).length).toBeLessThan(20 * 450);
  });

  it('describes a bad value without quoting it', () => {
    const result = parseDeviceChange('orders', { ...order, status: 'shipped-secret-value' });
    expect(result.ok ? '' : JSON.stringify(result.issues)).not.toMatch(/shipped-secret-value/);
    expect(result.ok ? [] : result.issues).toStrictEqual([
      { path: 'status', message: 'must be one of draft, submitted, fulfilled, cancelled' },
    ]);
  });

  it('accepts a tombstone with only id, updatedAt and deleted', () => {
    expect(parseDeviceChange('orders', { id: 'o9', updatedAt: T, deleted: true })).toStrictEqual({
      ok: true,
      change: { id: 'o9', updatedAt: T, deleted: true, base: null },
    });
  });

  it('accepts known fields on a tombstone without storing or checking them', () => {
    expect(parseDeviceChange('products', { ...product, priceCents: -5, deleted: true })).toStrictEqual({
      ok: true,
      change: { id: 'p1', updatedAt: T, deleted: true, base: null },
    });
  });

  it('rejects unknown fields on a tombstone', () => {
    expect(
      issuePaths(parseDeviceChange('products', { id: 'p1', updatedAt: T, deleted: true, colour: 'red' })),
    ).toStrictEqual(['colour']);
  });
});

describe('parseWebBody', () => {
  const body = { name: 'Widget', sku: 'W-1', priceCents: 1299, currency: 'EUR' };
  it('ignores updatedAt, deleted and updatedBy and accepts a matching id', () => {
    expect(
      parseWebBody('products', 'p1', { ...body, id: 'p1', updatedAt: 5, deleted: true, updatedBy: { userId: 'x' } }),
    ).toStrictEqual({
      ok: true,
      fields: body,
    });
  });
  it('rejects an id that differs from the path', () => {
    expect(parseWebBody('products', 'p1', { ...body, id: 'p2' })).toStrictEqual({
      ok: false,
      issues: [{ path: 'id', message: 'must match the id in the path' }],
    });
  });
  it('rejects unknown fields and non-objects', () => {
    expect(parseWebBody('products', 'p1', { ...body, extra: 1 }).ok).toBe(false);
    expect(parseWebBody('products', 'p1', [body]).ok).toBe(false);
    expect(parseWebBody('products', 'p1', null).ok).toBe(false);
  });
});

describe('sync envelopes', () => {
  const push = { deviceId: 'ipad-7', clientTime: T, changes: { products: [product] } };
  it('accepts a push and defaults changes', () => {
    expect(checkEnvelope(pushRequest, push).ok).toBe(true);
    expect(checkEnvelope(pushRequest, { deviceId: 'ipad-7', clientTime: T })).toStrictEqual({
      ok: true,
      value: { deviceId: 'ipad-7', clientTime: T, changes: {} },
    });
  });
  it('defaults Sync Now cursor and limit', () => {
    const checked = checkEnvelope(syncNowRequest, { deviceId: 'ipad-7', clientTime: T });
    expect(checked).toMatchObject({ ok: true, value: { cursor: null, limit: 500 } });
  });
  const bad: [string, unknown][] = [
    ['missing deviceId', { clientTime: T }],
    ['missing clientTime', { deviceId: 'ipad-7' }],
    ['bad deviceId', { deviceId: 'ipad 7', clientTime: T }],
    ['unknown collection', { ...push, changes: { widgets: [] } }],
    ['changes not arrays', { ...push, changes: { products: {} } }],
    ['duplicate id in a collection', { ...push, changes: { products: [product, product] } }],
    ['unknown envelope field', { ...push, accountId: 'globex' }],
    ['not an object', [push]],
  ];
  for (const [name, body] of bad) {
    it(`rejects the whole request: ${name}`, () => {
      const checked = checkEnvelope(pushRequest, body);
      // Bad shape, not too large: a 400 with issues rather than a 413.
      expect(checked).toMatchObject({ ok: false, tooLarge: false });
    });
  }
  it('allows the same id in two collections', () => {
    expect(
      checkEnvelope(pushRequest, { ...push, changes: { products: [product], customers: [{ id: 'p1' }] } }).ok,
    ).toBe(true);
  });
  it('says too large past 1,000 records, before checking shape', () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ id: `p${i}` }));
    expect(checkEnvelope(pushRequest, { changes: { products: many } })).toStrictEqual({ ok: false, tooLarge: true });
    expect(checkEnvelope(pushRequest, { ...push, changes: { products: many.slice(0, 1000) } }).ok).toBe(true);
  });
  it('rejects a Sync Now limit over 1,000', () => {
    expect(checkEnvelope(syncNowRequest, { deviceId: 'ipad-7', clientTime: T, limit: 1001 }).ok).toBe(false);
  });
});
