// The push decision table of docs/conformance/ again, this time decided by
// DynamoDB through the API: the backend's version is stored as is, the
// pushed one goes through POST /v1/sync/push on a server whose clock reads
// the table's serverNow. The status and updatedAt must be the table's, the
// item must be what the rules leave behind, and it must cost one write (two
// only when another writer got in between, which never happens here) and no
// read.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLES } from '../../dev/dynamodb-local.ts';
import { encodeCursor } from '../../functions/core/cursor.ts';
import { partitionKey } from '../../functions/store/records-store.ts';
import { contentHash, TOMBSTONE_HASH } from '../../protocol/content-hash.ts';
import { type PushDecisionCase, pushDecisions, pushedRecord } from '../support/conformance.ts';
import type { PushBody } from '../support/local-stack.ts';
import { type Stack, startStack } from '../support/local-stack.ts';

const DAY = 86_400_000;
let stack: Stack;
let clock = pushDecisions.serverNow;
beforeAll(async () => {
  stack = await startStack({
    now: () => clock,
    config: { tombstoneRetentionMs: pushDecisions.tombstoneRetentionDays * DAY },
  });
});
afterAll(async () => {
  await stack?.stop();
});

async function seed(account: string, id: string, backend: NonNullable<PushDecisionCase['backend']>) {
  const item = backend.deleted
    ? { updatedAt: backend.updatedAt, deleted: true, contentSha256: TOMBSTONE_HASH, expiresAt: 4_000_000_000 }
    : {
        updatedAt: backend.updatedAt,
        deleted: false,
        data: backend.content,
        ...(backend.hashed === false ? {} : { contentSha256: contentHash(backend.content) }),
      };
  await stack.client.send(
    new PutCommand({
      TableName: LOCAL_TABLES.records,
      Item: { pk: partitionKey(account, 'products'), id, changedAt: backend.updatedAt, writer: 'web#seed', ...item },
    }),
  );
}

describe('the push decision table, decided by DynamoDB through the API', () => {
  it.each(pushDecisions.cases.map((c, i) => [`${c.rule} ${c.name}`, c, i] as const))('%s', async (_, c, index) => {
    clock = pushDecisions.serverNow;
    const account = stack.newAccount();
    const id = `case-${index}`;
    if (c.backend) await seed(account, id, c.backend);
    const api = await stack.as(account);
    stack.requests.reset();
    const response = await api.push('ipad-1', { products: [pushedRecord(id, c.push)] }, c.push.clientTime);
    expect(response.status).toBe(200);
    expect((response.body as PushBody).results.products).toStrictEqual([{ id, ...c.expected }]);

    const { PutItem = 0, GetItem = 0, Query = 0, BatchGetItem = 0 } = stack.requests.snapshot();
    expect(GetItem + Query + BatchGetItem, 'no reads').toBe(0);
    expect(PutItem, 'one conditional write').toBe(1);

    const stored = await stack.services.records.get(account, 'products', id);
    if (c.expected.status === 'created' || c.expected.status === 'updated') {
      expect(stored).toMatchObject({
        updatedAt: c.expected.updatedAt,
        deleted: c.push.deleted === true,
        writer: 'device#ipad-1#alice',
        clientUpdatedAt: c.push.updatedAt,
        contentSha256: contentHash(pushedRecord(id, c.push)),
      });
      if (!c.push.deleted) expect(stored?.data).toStrictEqual(c.push.content);
    } else if (c.backend === null) {
      expect(stored, 'nothing written').toBeUndefined();
    } else {
      expect(stored, 'nothing written').toMatchObject({ updatedAt: c.backend.updatedAt, writer: 'web#seed' });
    }
  });
});

describe('B5: a version that may have been deleted and purged', () => {
  const b5 = pushDecisions.cases.find((c) => c.rule === 'B5' && c.expected.status === 'deleted')!;

  it('is answered deleted, and the same Sync Now delivers its tombstone, whose deleter nobody knows', async () => {
    clock = pushDecisions.serverNow;
    const api = await stack.as(stack.newAccount());
    const record = pushedRecord('gone', b5.push);
    const sync = await api.syncNow('ipad-1', null, { changes: { products: [record] }, clientTime: b5.push.clientTime });
    expect(sync.body.results?.products).toStrictEqual([{ id: 'gone', ...b5.expected }]);
    expect(sync.body.changes.products).toStrictEqual([
      { id: 'gone', updatedAt: b5.expected.updatedAt, deleted: true, updatedBy: null },
    ]);
  });

  it('a pass that still owes that tombstone on a later page delivers it, though the backend holds nothing', async () => {
    clock = pushDecisions.serverNow;
    const account = stack.newAccount();
    const api = await stack.as(account);
    const cursor = encodeCursor(stack.services.cursorKey(), account, 'sync', {
      since: null,
      start: clock,
      done: ['products', 'customers', 'orders'],
      owed: [['products', 'gone', clock - 5000]],
    });
    const sync = await api.syncNow('ipad-1', cursor);
    expect(sync.body.changes.products).toStrictEqual([
      { id: 'gone', updatedAt: clock - 5000, deleted: true, updatedBy: null },
    ]);
    expect(sync.body.hasMore).toBe(false);
  });
});

describe('20+ concurrent writers on one record', () => {
  it('end with the latest version, whatever order they commit in', async () => {
    clock = Date.now();
    const account = stack.newAccount();
    const T = clock - 1_000_000;
    const versions = Array.from({ length: 32 }, (_, i) => T + i * 7).sort(() => Math.random() - 0.5);
    const pushes = await Promise.all(
      versions.map(async (v, i) => {
        const device = await stack.as(account, `rep-${i}`);
        return device.push(
          `d${i}`,
          { products: [{ id: 'hot', updatedAt: v, name: `v${v}`, sku: 's', priceCents: 1, currency: 'EUR' }] },
          clock,
        );
      }),
    );
    expect(pushes.every((p) => p.status === 200)).toBe(true);
    const stored = await stack.services.records.get(account, 'products', 'hot');
    expect(stored?.updatedAt).toBe(Math.max(...versions));
    expect(stored?.data).toMatchObject({ name: `v${Math.max(...versions)}` });
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
