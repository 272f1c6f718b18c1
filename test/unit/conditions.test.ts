// The condition expressions are the rules in DynamoDB's words; pin them.
import { describe, expect, it } from 'vitest';
import { conditionFor, type IdRange, idRangeCondition, type WriteRule } from '../../functions/store/records-store.ts';

const version = {
  updatedAt: 1_764_000_000_500,
  deleted: false,
  writer: 'device#ipad-7#alice',
  clientUpdatedAt: 1_764_000_000_000,
  contentHash: 'h1',
};

describe('conditionFor', () => {
  const guard = { ifMissing: true, contentHash: 'h1' };
  const rows: [string, WriteRule, string][] = [
    [
      'a push without base (B6): absent, or live, other content, and older than the stamp',
      { device: { ...guard, ifBefore: 1_764_000_000_500 } },
      'attribute_not_exists(#pk) OR (#deleted = :false AND NOT #hash = :hash AND (#updatedAt < :before))',
    ],
    [
      'an edit of base (B4), stamped past base: the version at base only',
      { device: { ...guard, ifAt: 1_764_000_000_000 } },
      'attribute_not_exists(#pk) OR (#deleted = :false AND NOT #hash = :hash AND (#updatedAt = :at))',
    ],
    [
      "an edit of base whose own stamp is later (B4, and B6's 2a with the same stamp)",
      { device: { ...guard, ifAt: 1_764_000_000_000, ifBefore: 1_764_000_000_500 } },
      'attribute_not_exists(#pk) OR (#deleted = :false AND NOT #hash = :hash AND (#updatedAt = :at OR #updatedAt < :before))',
    ],
    [
      'a base past tombstone retention (B5): never over a missing record',
      { device: { ...guard, ifMissing: false, ifAt: 1_764_000_000_000 } },
      '(#deleted = :false AND NOT #hash = :hash AND (#updatedAt = :at))',
    ],
    [
      'an echo of a purged version (B3 and B5): a condition that never holds',
      { device: { ...guard, ifMissing: false } },
      'attribute_not_exists(#pk) AND attribute_exists(#pk)',
    ],
    ['an echo of a young base (B3): only a missing record', { device: guard }, 'attribute_not_exists(#pk)'],
    [
      'web-put: absent, or live, older than the stamp and holding other content (a tombstone is never replaced)',
      'web-put',
      'attribute_not_exists(#pk) OR (#deleted = :false AND #updatedAt < :updatedAt AND NOT #hash = :hash)',
    ],
    [
      'web-delete: present, live and older than the stamp',
      'web-delete',
      'attribute_exists(#pk) AND #deleted = :false AND #updatedAt < :updatedAt',
    ],
  ];
  it.each(rows)('%s', (_, rule, expression) => {
    const c = conditionFor(rule, version);
    expect(c.ConditionExpression).toBe(expression);
    // Every placeholder used is defined, and every definition used.
    const used = new Set(c.ConditionExpression.match(/[#:]\w+/g));
    expect([...used].sort()).toStrictEqual(
      [...Object.keys(c.ExpressionAttributeNames), ...Object.keys(c.ExpressionAttributeValues ?? {})].sort(),
    );
  });

  it('compares content by the v1.3 attribute, never the old hash', () => {
    const c = conditionFor({ device: { ...guard, ifBefore: 5 } }, version);
    expect(c.ExpressionAttributeNames['#hash']).toBe('contentSha256');
    expect(c.ExpressionAttributeValues).toMatchObject({ ':hash': 'h1', ':before': 5 });
  });
});

describe('idRangeCondition: from ≤ id < to on the sort key', () => {
  const rows: [string, IdRange, string | null, Record<string, unknown>][] = [
    ['unbounded: the partition', { from: null, to: null }, '#pk = :pk', { ':pk': 'acme#products' }],
    [
      'from only: id ≥ from',
      { from: 'p-1', to: null },
      '#pk = :pk AND #id >= :from',
      { ':pk': 'acme#products', ':from': 'p-1' },
    ],
    [
      'to only: id < to',
      { from: null, to: 'p-9' },
      '#pk = :pk AND #id < :to',
      { ':pk': 'acme#products', ':to': 'p-9' },
    ],
    [
      'both: BETWEEN (the reader drops an item equal to `to`)',
      { from: 'p-1', to: 'p-9' },
      '#pk = :pk AND #id BETWEEN :from AND :to',
      { ':pk': 'acme#products', ':from': 'p-1', ':to': 'p-9' },
    ],
    ['from = to: empty, no query', { from: 'p-5', to: 'p-5' }, null, {}],
    ['from > to: empty, no query (DynamoDB refuses such a BETWEEN)', { from: 'p-9', to: 'p-1' }, null, {}],
    ['byte order, not number order: "p-10" < "p-9"', { from: 'p-9', to: 'p-10' }, null, {}],
  ];
  it.each(rows)('%s', (_, range, expression, values) => {
    const c = idRangeCondition('acme#products', range);
    expect(c?.KeyConditionExpression ?? null).toBe(expression);
    if (c === null) return;
    expect(c.ExpressionAttributeValues).toStrictEqual(values);
    const used = new Set(c.KeyConditionExpression.match(/[#:]\w+/g));
    expect([...used].sort()).toStrictEqual(
      [...Object.keys(c.ExpressionAttributeNames), ...Object.keys(c.ExpressionAttributeValues)].sort(),
    );
  });
});
