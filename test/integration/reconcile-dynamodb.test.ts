// The rules table again, this time decided by DynamoDB: the stored version
// is put as is, the incoming one goes through the store's conditional write.
// Whether DynamoDB wrote must match decidePush, and the old item it hands
// back on failure must let decidePush name the same status.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLES } from '../../dev/dynamodb-local.ts';
import { contentHash, decidePush, writes } from '../../functions/core/reconcile.ts';
import { partitionKey } from '../../functions/store/records-store.ts';
import { type Stack, startStack } from '../support/local-stack.ts';
import { reconcileCases } from '../support/reconcile-cases.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
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
      const outcome = await stack.services.records.write(
        account,
        'products',
        id,
        { ...c.incoming, fields: {} },
        'device-push',
      );
      expect(outcome.written, 'DynamoDB wrote iff the rules say so').toBe(writes(c.expected));
      if (!outcome.written) {
        expect(decidePush(outcome.current, c.incoming)).toBe(c.expected);
      } else {
        expect(outcome.previous === undefined ? 'created' : 'updated').toBe(c.expected);
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
        stack.services.records.write(
          account,
          'products',
          'hot',
          {
            updatedAt: v,
            deleted: false,
            writer: `device#d${i}#alice`,
            clientUpdatedAt: v,
            contentHash: contentHash(false, { v }),
            fields: { v },
          },
          'device-push',
        ),
      ),
    );
    const stored = await stack.services.records.get(account, 'products', 'hot');
    expect(stored?.updatedAt).toBe(Math.max(...versions));
    expect(stored?.data).toStrictEqual({ v: Math.max(...versions) });
    expect(outcomes.some((o) => o.written)).toBe(true);
  });
});

describe('device sync state', () => {
  it('never moves backwards: two Sync Nows of one device finishing out of order leave the later times', async () => {
    const account = stack.newAccount();
    const device = { userId: 'alice', deviceId: 'ipad-7' };
    const { syncState } = stack.services;
    await syncState.recordSync(account, device, 2_000_000_000_200, 2_000_000_000_100, true);
    await syncState.recordSync(account, device, 2_000_000_000_150, 2_000_000_000_050, true);
    await syncState.recordPush(account, device, 2_000_000_000_120);
    const { account: shared, device: state } = await syncState.read(account, device);
    expect(state).toStrictEqual({
      lastSyncAt: 2_000_000_000_200,
      lastPushAt: 2_000_000_000_200,
      syncedThrough: 2_000_000_000_100,
    });
    expect(shared).toStrictEqual({ lastSyncAt: 2_000_000_000_200, lastSyncBy: device });
  });

  it('keeps two users of one deviceId apart', async () => {
    const account = stack.newAccount();
    await stack.services.syncState.recordSync(
      account,
      { userId: 'alice', deviceId: 'ipad-7' },
      2_000_000_000_000,
      1,
      false,
    );
    const bob = await stack.services.syncState.read(account, { userId: 'bob', deviceId: 'ipad-7' });
    expect(bob.device).toBeNull();
  });
});
