// Every seed scenario and SPEC §2 rule, over real HTTP through the local
// server, against a real DynamoDB Local.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ids, product, type Stack, startStack, webProduct } from '../support/local-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

const HOUR = 3_600_000;

describe('seed rule 1: record not on the device', () => {
  it('is stored on the device at Sync Now (first sync is a snapshot of live records)', async () => {
    const api = await stack.as(stack.newAccount());
    assert.equal((await api.put('products', 'p1', webProduct('Widget'))).status, 201);
    assert.equal((await api.put('customers', 'c1', { name: 'Ada' })).status, 201);
    await api.put('products', 'gone', webProduct('Old'));
    await api.delete('products', 'gone');

    const sync = await api.syncNow('ipad-1', null);
    assert.equal(sync.status, 200);
    assert.deepEqual(ids(sync.body.changes.products), ['p1']); // no tombstones in a snapshot
    assert.deepEqual(ids(sync.body.changes.customers), ['c1']);
    assert.deepEqual(sync.body.changes.orders, []);
    assert.equal(sync.body.hasMore, false);
    assert.equal(sync.body.reset, false);
    assert.equal(sync.body.changes.products?.[0]?.name, 'Widget');
  });
});

describe('seed rule 2a: backend older than the device', () => {
  it('writes the device version to the backend', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'p1', webProduct('Web name'));
    const push = await api.push('ipad-1', { products: [product('p1', Date.now() + 5, { name: 'Mobile name' })] });
    assert.equal(push.status, 200);
    assert.equal(push.body.results.products?.[0]?.status, 'updated');
    assert.equal((await api.get('products', 'p1')).body.record.name, 'Mobile name');
  });
});

describe('seed rule 2b: backend newer than the device', () => {
  it('discards the device version and gives the device the backend version at Sync Now', async () => {
    const api = await stack.as(stack.newAccount());
    const { cursor } = await api.syncAll('ipad-1', null);
    const offlineEdit = Date.now() - 60_000; // edited on the device a minute ago
    await api.put('products', 'p1', webProduct('Web is newer'));

    const push = await api.push('ipad-1', { products: [product('p1', offlineEdit, { name: 'Mobile is older' })] });
    assert.equal(push.body.results.products?.[0]?.status, 'stale');
    assert.equal((await api.get('products', 'p1')).body.record.name, 'Web is newer');

    const sync = await api.syncNow('ipad-1', cursor, {
      changes: { products: [product('p1', offlineEdit, { name: 'Mobile is older' })] },
    });
    assert.equal(sync.body.results.products?.[0]?.status, 'stale');
    const p1 = sync.body.changes.products?.find((r) => r.id === 'p1');
    assert.equal(p1?.name, 'Web is newer');
  });
  // Ties are pinned exactly in test/integration/reconcile-dynamodb.test.ts,
  // where the effective updatedAt is not blurred by request latency.
});

describe('seed rule 2c: deleted on the backend', () => {
  it('deletes on the device even if it was edited there, and never resurrects', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'p1', webProduct('Doomed'));
    const { cursor } = await api.syncAll('ipad-1', null);
    assert.equal((await api.delete('products', 'p1')).status, 204);

    const edit = product('p1', Date.now() + 10, { name: 'Edited on the iPad after the delete' });
    const push = await api.push('ipad-1', { products: [edit] });
    assert.equal(push.body.results.products?.[0]?.status, 'deleted');
    assert.equal((await api.get('products', 'p1')).status, 410);

    const sync = await api.syncNow('ipad-1', cursor);
    assert.deepEqual(sync.body.changes.products, [
      { id: 'p1', updatedAt: sync.body.changes.products?.[0]?.updatedAt, deleted: true },
    ]);
  });

  it('reports the tombstone in the first page even with a fresh cursor', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'p1', webProduct('Doomed'));
    await api.delete('products', 'p1');
    const { cursor } = await api.syncAll('ipad-1', null);
    const sync = await api.syncNow('ipad-1', cursor, { changes: { products: [product('p1', Date.now())] } });
    assert.equal(sync.body.results.products?.[0]?.status, 'deleted');
    assert.equal(sync.body.changes.products?.find((r) => r.id === 'p1')?.deleted, true);
  });
});

describe('seed rule 3: created on the device', () => {
  it('is pushed to the backend and reaches the web and other devices', async () => {
    const api = await stack.as(stack.newAccount());
    const push = await api.push('ipad-1', {
      customers: [{ id: 'c-new', updatedAt: Date.now(), name: 'Met at the trade show', email: 'lead@example.com' }],
      orders: [
        {
          id: 'o-new',
          updatedAt: Date.now(),
          customerId: 'c-new',
          status: 'draft',
          currency: 'EUR',
          lines: [{ productId: 'p1', quantity: 3, unitPriceCents: 1299 }],
        },
      ],
    });
    assert.equal(push.body.results.customers?.[0]?.status, 'created');
    assert.equal(push.body.results.orders?.[0]?.status, 'created');
    assert.equal((await api.get('customers', 'c-new')).body.record.email, 'lead@example.com');
    const other = await api.syncNow('android-2', null);
    assert.deepEqual(ids(other.body.changes.orders), ['o-new']);
  });
});

describe('login push', () => {
  it('never changes the device: its response carries no changes', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'web-only', webProduct('Made on the web'));
    const push = await api.push('ipad-1', { products: [product('p-mobile', Date.now())] });
    assert.deepEqual(Object.keys(push.body).sort(), ['results', 'serverTime']);
  });

  it('is idempotent: a retry reports unchanged and writes nothing', async () => {
    const api = await stack.as(stack.newAccount());
    const edit = product('p1', Date.now() - 1000);
    const first = await api.push('ipad-1', { products: [edit] }, Date.now());
    await new Promise((r) => setTimeout(r, 20));
    const retry = await api.push('ipad-1', { products: [edit] }, Date.now() + 7); // new clientTime
    assert.equal(first.body.results.products?.[0]?.status, 'created');
    assert.equal(retry.body.results.products?.[0]?.status, 'unchanged');
    assert.equal(retry.body.results.products?.[0]?.updatedAt, first.body.results.products?.[0]?.updatedAt);
  });

  it('stores a device delete of an unknown id, so a late create cannot resurrect it', async () => {
    const api = await stack.as(stack.newAccount());
    const del = await api.push('ipad-1', { products: [{ id: 'p1', updatedAt: Date.now(), deleted: true }] });
    assert.equal(del.body.results.products?.[0]?.status, 'created');
    const lateCreate = await api.push('ipad-2', { products: [product('p1', Date.now() + 100)] });
    assert.equal(lateCreate.body.results.products?.[0]?.status, 'deleted');
    assert.equal((await api.put('products', 'p1', webProduct('again'))).status, 410);
  });

  it('lets a newer web edit beat an older device delete', async () => {
    const api = await stack.as(stack.newAccount());
    const deletedOnDevice = Date.now() - 30_000;
    await api.put('products', 'p1', webProduct('Edited on the web just now'));
    const push = await api.push('ipad-1', { products: [{ id: 'p1', updatedAt: deletedOnDevice, deleted: true }] });
    assert.equal(push.body.results.products?.[0]?.status, 'stale');
    assert.equal((await api.get('products', 'p1')).status, 200);
  });

  it('processes the valid records of a batch when one is invalid', async () => {
    const api = await stack.as(stack.newAccount());
    const push = await api.push('ipad-1', {
      products: [
        product('ok-1', Date.now()),
        { ...product('bad', Date.now()), priceCents: -1 },
        product('ok-2', Date.now()),
      ],
    });
    const statuses = push.body.results.products?.map((r) => r.status);
    assert.deepEqual(statuses, ['created', 'invalid', 'created']);
    assert.deepEqual(push.body.results.products?.[1]?.issues?.[0]?.path, 'priceCents');
    assert.equal((await api.get('products', 'bad')).status, 404);
  });
});

describe('clock skew', () => {
  it('corrects a device clock three hours behind, so its newer edit still wins', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'p1', webProduct('Web edit'));
    await new Promise((r) => setTimeout(r, 5));
    const deviceNow = Date.now() - 3 * HOUR; // the iPad's clock
    const push = await api.push(
      'ipad-1',
      { products: [product('p1', deviceNow, { name: 'Later mobile edit' })] },
      deviceNow,
    );
    assert.equal(push.body.results.products?.[0]?.status, 'updated');
    const stored = (await api.get('products', 'p1')).body.record;
    assert.equal(stored.name, 'Later mobile edit');
    assert.ok(Math.abs(stored.updatedAt - Date.now()) < 5_000, 'stored on the server clock');
  });

  it('corrects a device clock three hours ahead, so its older edit loses', async () => {
    const api = await stack.as(stack.newAccount());
    const deviceNow = Date.now() + 3 * HOUR;
    const editedOnDevice = deviceNow - 60_000; // a minute ago by the device clock
    await api.put('products', 'p1', webProduct('Web edit after the device edit'));
    const push = await api.push('ipad-1', { products: [product('p1', editedOnDevice, { name: 'Older' })] }, deviceNow);
    assert.equal(push.body.results.products?.[0]?.status, 'stale');
  });

  it('clamps a version from the future to the server clock', async () => {
    const api = await stack.as(stack.newAccount());
    const push = await api.push('ipad-1', { products: [product('p1', Date.now() + 24 * HOUR)] });
    const result = push.body.results.products?.[0];
    assert.equal(result?.status, 'created');
    assert.ok(result?.updatedAt !== undefined && result.updatedAt <= push.body.serverTime);
    // The web can still edit it afterwards: the future stamp did not lock it.
    const web = await api.put('products', 'p1', webProduct('Web'));
    assert.equal(web.status, 200);
    assert.ok(web.body.record.updatedAt > result.updatedAt);
  });
});

describe('web records API', () => {
  it('creates (201), replaces (200), reads, lists, deletes (204, repeat 204) and answers 404/410', async () => {
    const api = await stack.as(stack.newAccount());
    assert.equal((await api.put('products', 'p1', webProduct('A'))).status, 201);
    const replaced = await api.put('products', 'p1', { ...webProduct('B'), id: 'p1', updatedAt: 1, deleted: true });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.record.name, 'B');
    assert.equal(replaced.body.record.deleted, undefined);
    assert.equal((await api.get('products', 'p1')).body.record.name, 'B');
    assert.equal((await api.get('products', 'nope')).status, 404);
    assert.equal((await api.delete('products', 'nope')).status, 404);
    assert.equal((await api.delete('products', 'p1')).status, 204);
    assert.equal((await api.delete('products', 'p1')).status, 204);
    const gone = await api.get('products', 'p1');
    assert.equal(gone.status, 410);
    assert.equal((gone.body as unknown as { error: { code: string } }).error.code, 'GONE');
    assert.equal(gone.body.record.deleted, true);
    assert.equal((await api.put('products', 'p1', webProduct('C'))).status, 410);
  });

  it('lists live records page by page', async () => {
    const api = await stack.as(stack.newAccount());
    for (const id of ['a', 'b', 'c', 'd', 'e']) await api.put('products', id, webProduct(id));
    await api.delete('products', 'c');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { records: { id: string }[]; cursor: string | null } } = await api.request(
        'GET',
        `/v1/records/products?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(page.status, 200);
      assert.ok(page.body.records.length <= 2);
      seen.push(...page.body.records.map((r) => r.id));
      cursor = page.body.cursor;
    } while (cursor);
    assert.deepEqual(seen, ['a', 'b', 'd', 'e']);
  });

  it('stamps a web write past a device version that is ahead of the server clock', async () => {
    const api = await stack.as(stack.newAccount());
    const push = await api.push('ipad-1', { products: [product('p1', Date.now())] });
    const deviceVersion = push.body.results.products?.[0]?.updatedAt ?? 0;
    const web = await api.put('products', 'p1', webProduct('web'));
    assert.ok(web.body.record.updatedAt > deviceVersion);
  });
});

describe('Account sync status', () => {
  it('shows last sync, pending changes per collection and upToDate', async () => {
    const api = await stack.as(stack.newAccount(), 'bob');
    const never = await api.status('ipad-1');
    assert.equal(never.status, 200);
    assert.deepEqual(never.body.account, { lastSyncAt: null, lastSyncBy: null });
    assert.deepEqual(never.body.device, { deviceId: 'ipad-1', lastSyncAt: null, lastPushAt: null });
    assert.equal(never.body.collections.products?.pendingChanges, null);
    assert.equal(never.body.upToDate, false);

    await api.put('products', 'p1', webProduct('A'));
    await api.push('ipad-1', { customers: [{ id: 'c1', updatedAt: Date.now(), name: 'Mine' }] });
    const first = await api.syncAll('ipad-1', null);
    const synced = await api.status('ipad-1');
    assert.equal(synced.body.account.lastSyncBy?.deviceId, 'ipad-1');
    assert.equal(synced.body.account.lastSyncBy?.userId, 'bob');
    assert.equal(synced.body.device?.lastSyncAt, first.pages.at(-1)?.serverTime);
    assert.notEqual(synced.body.device?.lastPushAt, null);
    assert.equal(synced.body.upToDate, true);
    assert.notEqual(synced.body.collections.products?.lastChangedAt, null);

    // Another writer changes two products and deletes one; this device's own push does not count.
    await api.put('products', 'p2', webProduct('B'));
    await api.put('products', 'p3', webProduct('C'));
    await api.put('products', 'p3', webProduct('C2')); // one record, two edits: counted once
    await api.delete('products', 'p1');
    await api.push('ipad-1', { customers: [{ id: 'c2', updatedAt: Date.now(), name: 'Also mine' }] });
    const behind = await api.status('ipad-1');
    assert.equal(behind.body.collections.products?.pendingChanges, 3);
    assert.equal(behind.body.collections.customers?.pendingChanges, 0);
    assert.equal(behind.body.upToDate, false);

    await api.syncAll('ipad-1', first.cursor);
    assert.equal((await api.status('ipad-1')).body.upToDate, true);

    const anonymous = await api.status();
    assert.equal(anonymous.body.device, null);
    assert.equal(anonymous.body.upToDate, null);
    assert.equal(anonymous.body.collections.products?.pendingChanges, null);
  });
});
