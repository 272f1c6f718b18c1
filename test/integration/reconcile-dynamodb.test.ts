// The SPEC §2 table again, this time decided by DynamoDB: the stored version
// is put as is, the incoming one goes through the store's conditional write.
// Whether DynamoDB wrote must match decidePush, and the old item it hands
// back on failure must let decidePush name the same status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_TABLES } from '../../dev/dynamodb-local.ts';
import { decidePush, writes } from '../../functions/core/reconcile.ts';
import { partitionKey } from '../../functions/store/records-store.ts';
import { type Stack, startStack } from '../support/local-stack.ts';
import { reconcileCases } from '../support/reconcile-cases.ts';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

describe('the device-push condition decides like decidePush', () => {
  reconcileCases.forEach((c, index) => {
    it(c.name, async () => {
      const account = stack.newAccount();
      const id = `case-${index}`;
      if (c.current) {
        await stack.client.send(
          new PutCommand({
            TableName: LOCAL_TABLES.records,
            Item: { pk: partitionKey(account, 'products'), id, changedAt: c.current.updatedAt, data: {}, ...c.current },
          }),
        );
      }
      const outcome = await stack.deps.records.write(
        account,
        'products',
        id,
        { ...c.incoming, fields: {} },
        'device-push',
      );
      assert.equal(outcome.written, writes(c.expected), 'DynamoDB wrote iff the rules say so');
      if (!outcome.written) {
        assert.equal(decidePush(outcome.current, c.incoming), c.expected);
      } else {
        assert.equal(outcome.previous === undefined ? 'created' : 'updated', c.expected);
      }
    });
  });
});

describe('20+ concurrent writers on one record', () => {
  it('end with the latest version, whatever order they commit in', async () => {
    const account = stack.newAccount();
    const T = Date.now() - 1_000_000;
    const versions = Array.from({ length: 32 }, (_, i) => T + i * 7).sort(() => Math.random() - 0.5);
    const outcomes = await Promise.all(
      versions.map((v, i) =>
        stack.deps.records.write(
          account,
          'products',
          'hot',
          { updatedAt: v, deleted: false, writer: `d${i}`, clientUpdatedAt: v, fields: { v } },
          'device-push',
        ),
      ),
    );
    const stored = await stack.deps.records.get(account, 'products', 'hot');
    assert.equal(stored?.updatedAt, Math.max(...versions));
    assert.deepEqual(stored?.data, { v: Math.max(...versions) });
    assert.ok(outcomes.some((o) => o.written));
  });
});
