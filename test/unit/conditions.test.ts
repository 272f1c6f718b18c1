// The condition expressions are the rules in DynamoDB's words; pin them.
import { describe, expect, it } from 'vitest';
import { conditionFor } from '../../functions/store/records-store.ts';

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
