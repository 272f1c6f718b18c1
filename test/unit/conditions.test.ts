// The condition expressions are the rules in DynamoDB's words; pin them.
import { describe, expect, it } from 'vitest';
import { conditionFor, type IdRange, idRangeCondition } from '../../functions/store/records-store.ts';

const version = {
  updatedAt: 1_764_000_000_500,
  deleted: false,
  writer: 'device#ipad-7#alice',
  clientUpdatedAt: 1_764_000_000_000,
  contentHash: 'h1',
};

describe('conditionFor', () => {
  it('device-push: absent, or live and older and not this very version (device, stamp and content)', () => {
    const c = conditionFor('device-push', version);
    expect(c.ConditionExpression).toBe(
      'attribute_not_exists(#pk) OR (#deleted = :false AND #updatedAt < :updatedAt AND NOT (#writer = :writer AND #clientUpdatedAt = :clientUpdatedAt AND #contentHash = :contentHash))',
    );
    expect(c.ExpressionAttributeValues).toStrictEqual({
      ':false': false,
      ':updatedAt': 1_764_000_000_500,
      ':writer': 'device#ipad-7#alice',
      ':clientUpdatedAt': 1_764_000_000_000,
      ':contentHash': 'h1',
    });
    expect(c.ExpressionAttributeNames).toStrictEqual({
      '#pk': 'pk',
      '#deleted': 'deleted',
      '#updatedAt': 'updatedAt',
      '#writer': 'writer',
      '#clientUpdatedAt': 'clientUpdatedAt',
      '#contentHash': 'contentHash',
    });
  });

  it('web-put: absent, or live and older than the stamp (a tombstone is never replaced)', () => {
    const c = conditionFor('web-put', version);
    expect(c.ConditionExpression).toBe('attribute_not_exists(#pk) OR (#deleted = :false AND #updatedAt < :updatedAt)');
    expect(c.ExpressionAttributeValues).toStrictEqual({ ':false': false, ':updatedAt': 1_764_000_000_500 });
  });

  it('web-delete: present, live and older than the stamp', () => {
    const c = conditionFor('web-delete', version);
    expect(c.ConditionExpression).toBe('attribute_exists(#pk) AND #deleted = :false AND #updatedAt < :updatedAt');
  });

  it('every placeholder used is defined and every definition used', () => {
    for (const rule of ['device-push', 'web-put', 'web-delete'] as const) {
      const c = conditionFor(rule, version);
      const used = new Set(c.ConditionExpression.match(/[#:]\w+/g));
      expect([...used].sort(), rule).toStrictEqual(
        [...Object.keys(c.ExpressionAttributeNames), ...Object.keys(c.ExpressionAttributeValues)].sort(),
      );
    }
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
