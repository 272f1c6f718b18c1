// Every seed scenario and rule, over real HTTP through the local
// server, against a real DynamoDB Local.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, product, type Stack, startStack, webProduct } from '../support/local-stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const HOUR = 3_600_000;

describe('seed rule 1: record not on the device', () => {
  it('is stored on the device at Sync Now (first sync is a snapshot of live records)', async () => {
    const api = await stack.as(stack.newAccount());
    expect((await api.put('products', 'p1', webProduct('Widget'))).status).toBe(201);
    expect((await api.put('customers', 'c1', { name: 'Ada' })).status).toBe(201);
    await api.put('products', 'gone', webProduct('Old'));
    await api.delete('products', 'gone');

    const sync = await api.syncNow('ipad-1', null);
    expect(sync.status).toBe(200);
    expect(ids(sync.body.changes.products)).toStrictEqual(['p1']); // no tombstones in a snapshot
    expect(ids(sync.body.changes.customers)).toStrictEqual(['c1']);
    expect(sync.body.changes.orders).toStrictEqual([]);
    expect(sync.body.hasMore).toBe(false);
    expect(sync.body.reset).toBe(false);
    expect(sync.body.changes.products?.[0]?.name).toBe('Widget');
  });
});

describe('seed rule 2a: backend older than the device', () => {
  it('writes the device version to the backend', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'p1', webProduct('Web name'));
    const push = await api.push('ipad-1', { products: [product('p1', Date.now() + 5, { name: 'Mobile name' })] });
    expect(push.status).toBe(200);
    expect(push.body.results.products?.[0]?.status).toBe('updated');
    expect((await api.get('products', 'p1')).body.record.name).toBe('Mobile name');
  });
});

describe('seed rule 2b: backend newer than the device', () => {
  it('discards the device version and gives the device the backend version at Sync Now', async () => {
    const api = await stack.as(stack.newAccount());
    const { cursor } = await api.syncAll('ipad-1', null);
    const offlineEdit = Date.now() - 60_000; // edited on the device a minute ago
    await api.put('products', 'p1', webProduct('Web is newer'));

    const push = await api.push('ipad-1', { products: [product('p1', offlineEdit, { name: 'Mobile is older' })] });
    expect(push.body.results.products?.[0]?.status).toBe('stale');
    expect((await api.get('products', 'p1')).body.record.name).toBe('Web is newer');

    const sync = await api.syncNow('ipad-1', cursor, {
      changes: { products: [product('p1', offlineEdit, { name: 'Mobile is older' })] },
    });
    expect(sync.body.results.products?.[0]?.status).toBe('stale');
    const p1 = sync.body.changes.products?.find((r) => r.id === 'p1');
    expect(p1?.name).toBe('Web is newer');
  });
  // Ties are pinned exactly in test/integration/reconcile-dynamodb.test.ts,
  // where the effective updatedAt is not blurred by request latency.
});

describe('seed rule 2c: deleted on the backend', () => {
  it('deletes on the device even if it was edited there, and never resurrects', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'p1', webProduct('Doomed'));
    const { cursor } = await api.syncAll('ipad-1', null);
    expect((await api.delete('products', 'p1')).status).toBe(204);

    const edit = product('p1', Date.now() + 10, { name: 'Edited on the iPad after the delete' });
    const push = await api.push('ipad-1', { products: [edit] });
    expect(push.body.results.products?.[0]?.status).toBe('deleted');
    expect((await api.get('products', 'p1')).status).toBe(410);

    const sync = await api.syncNow('ipad-1', cursor);
    expect(sync.body.changes.products).toStrictEqual([
      {
        id: 'p1',
        updatedAt: sync.body.changes.products?.[0]?.updatedAt,
        deleted: true,
        updatedBy: { userId: 'alice', deviceId: null },
      },
    ]);
  });

  it('reports the tombstone in the first page even with a fresh cursor', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'p1', webProduct('Doomed'));
    await api.delete('products', 'p1');
    const { cursor } = await api.syncAll('ipad-1', null);
    const sync = await api.syncNow('ipad-1', cursor, { changes: { products: [product('p1', Date.now())] } });
    expect(sync.body.results.products?.[0]?.status).toBe('deleted');
    expect(sync.body.changes.products?.find((r) => r.id === 'p1')?.deleted).toBe(true);
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
    expect(push.body.results.customers?.[0]?.status).toBe('created');
    expect(push.body.results.orders?.[0]?.status).toBe('created');
    expect((await api.get('customers', 'c-new')).body.record.email).toBe('lead@example.com');
    const other = await api.syncNow('android-2', null);
    expect(ids(other.body.changes.orders)).toStrictEqual(['o-new']);
  });
});

describe('login push', () => {
  it('never changes the device: its response carries no changes', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'web-only', webProduct('Made on the web'));
    const push = await api.push('ipad-1', { products: [product('p-mobile', Date.now())] });
    expect(Object.keys(push.body).sort()).toStrictEqual(['results', 'serverTime']);
  });

  it('is idempotent: a retry reports unchanged and writes nothing', async () => {
    const api = await stack.as(stack.newAccount());
    const edit = product('p1', Date.now() - 1000);
    const first = await api.push('ipad-1', { products: [edit] }, Date.now());
    await new Promise((r) => setTimeout(r, 20));
    const retry = await api.push('ipad-1', { products: [edit] }, Date.now() + 7); // new clientTime
    expect(first.body.results.products?.[0]?.status).toBe('created');
    expect(retry.body.results.products?.[0]?.status).toBe('unchanged');
    expect(retry.body.results.products?.[0]?.updatedAt).toBe(first.body.results.products?.[0]?.updatedAt);
  });

  it('stores a device delete of an unknown id, so a late create cannot resurrect it', async () => {
    const api = await stack.as(stack.newAccount());
    const del = await api.push('ipad-1', { products: [{ id: 'p1', updatedAt: Date.now(), deleted: true }] });
    expect(del.body.results.products?.[0]?.status).toBe('created');
    const lateCreate = await api.push('ipad-2', { products: [product('p1', Date.now() + 100)] });
    expect(lateCreate.body.results.products?.[0]?.status).toBe('deleted');
    expect((await api.put('products', 'p1', webProduct('again'))).status).toBe(410);
  });

  it('lets a newer web edit beat an older device delete', async () => {
    const api = await stack.as(stack.newAccount());
    const deletedOnDevice = Date.now() - 30_000;
    await api.put('products', 'p1', webProduct('Edited on the web just now'));
    const push = await api.push('ipad-1', { products: [{ id: 'p1', updatedAt: deletedOnDevice, deleted: true }] });
    expect(push.body.results.products?.[0]?.status).toBe('stale');
    expect((await api.get('products', 'p1')).status).toBe(200);
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
    expect(statuses).toStrictEqual(['created', 'invalid', 'created']);
    expect(push.body.results.products?.[1]?.issues?.[0]?.path).toStrictEqual('priceCents');
    expect((await api.get('products', 'bad')).status).toBe(404);
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
    expect(push.body.results.products?.[0]?.status).toBe('updated');
    const stored = (await api.get('products', 'p1')).body.record;
    expect(stored.name).toBe('Later mobile edit');
    expect(Math.abs(stored.updatedAt - Date.now()), 'stored on the server clock').toBeLessThan(5_000);
  });

  it('corrects a device clock three hours ahead, so its older edit loses', async () => {
    const api = await stack.as(stack.newAccount());
    const deviceNow = Date.now() + 3 * HOUR;
    const editedOnDevice = deviceNow - 60_000; // a minute ago by the device clock
    await api.put('products', 'p1', webProduct('Web edit after the device edit'));
    const push = await api.push('ipad-1', { products: [product('p1', editedOnDevice, { name: 'Older' })] }, deviceNow);
    expect(push.body.results.products?.[0]?.status).toBe('stale');
  });

  it('clamps a version from the future to the server clock', async () => {
    const api = await stack.as(stack.newAccount());
    const push = await api.push('ipad-1', { products: [product('p1', Date.now() + 24 * HOUR)] });
    const result = push.body.results.products?.[0];
    expect(result?.status).toBe('created');
    // NaN if absent, which fails both comparisons below.
    const stamped = result?.updatedAt ?? Number.NaN;
    expect(stamped).toBeLessThanOrEqual(push.body.serverTime);
    // The web can still edit it afterwards: the future stamp did not lock it.
    const web = await api.put('products', 'p1', webProduct('Web'));
    expect(web.status).toBe(200);
    expect(web.body.record.updatedAt).toBeGreaterThan(stamped);
  });
});

describe('web records API', () => {
  it('creates (201), replaces (200), reads, lists, deletes (204, repeat 204) and answers 404/410', async () => {
    const api = await stack.as(stack.newAccount());
    expect((await api.put('products', 'p1', webProduct('A'))).status).toBe(201);
    const replaced = await api.put('products', 'p1', { ...webProduct('B'), id: 'p1', updatedAt: 1, deleted: true });
    expect(replaced.status).toBe(200);
    expect(replaced.body.record.name).toBe('B');
    expect(replaced.body.record.deleted).toBeUndefined();
    expect((await api.get('products', 'p1')).body.record.name).toBe('B');
    expect((await api.get('products', 'nope')).status).toBe(404);
    expect((await api.delete('products', 'nope')).status).toBe(404);
    expect((await api.delete('products', 'p1')).status).toBe(204);
    expect((await api.delete('products', 'p1')).status).toBe(204);
    const gone = await api.get('products', 'p1');
    expect(gone.status).toBe(410);
    expect((gone.body as unknown as { error: { code: string } }).error.code).toBe('GONE');
    expect(gone.body.record.deleted).toBe(true);
    expect((await api.put('products', 'p1', webProduct('C'))).status).toBe(410);
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
      expect(page.status).toBe(200);
      expect(page.body.records.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.records.map((r) => r.id));
      cursor = page.body.cursor;
    } while (cursor);
    expect(seen).toStrictEqual(['a', 'b', 'd', 'e']);
  });

  it('stamps a web write past a device version that is ahead of the server clock', async () => {
    const api = await stack.as(stack.newAccount());
    const push = await api.push('ipad-1', { products: [product('p1', Date.now())] });
    const deviceVersion = push.body.results.products?.[0]?.updatedAt ?? 0;
    const web = await api.put('products', 'p1', webProduct('web'));
    expect(web.body.record.updatedAt).toBeGreaterThan(deviceVersion);
  });
});

describe('Account sync status', () => {
  it('shows last sync, pending changes per collection and upToDate', async () => {
    const api = await stack.as(stack.newAccount(), 'bob');
    const never = await api.status('ipad-1');
    expect(never.status).toBe(200);
    expect(never.body.account).toStrictEqual({ lastSyncAt: null, lastSyncBy: null });
    expect(never.body.device).toStrictEqual({ deviceId: 'ipad-1', lastSyncAt: null, lastPushAt: null });
    expect(never.body.collections.products?.pendingChanges).toBeNull();
    expect(never.body.upToDate).toBe(false);

    await api.put('products', 'p1', webProduct('A'));
    await api.push('ipad-1', { customers: [{ id: 'c1', updatedAt: Date.now(), name: 'Mine' }] });
    const first = await api.syncAll('ipad-1', null);
    const synced = await api.status('ipad-1');
    expect(synced.body.account.lastSyncBy?.deviceId).toBe('ipad-1');
    expect(synced.body.account.lastSyncBy?.userId).toBe('bob');
    expect(synced.body.device?.lastSyncAt).toBe(first.pages.at(-1)?.serverTime);
    expect(synced.body.device?.lastPushAt).not.toBeNull();
    expect(synced.body.upToDate).toBe(true);
    expect(synced.body.collections.products?.lastChangedAt).not.toBeNull();

    // Another writer changes two products and deletes one; this device's own push does not count.
    await api.put('products', 'p2', webProduct('B'));
    await api.put('products', 'p3', webProduct('C'));
    await api.put('products', 'p3', webProduct('C2')); // one record, two edits: counted once
    await api.delete('products', 'p1');
    await api.push('ipad-1', { customers: [{ id: 'c2', updatedAt: Date.now(), name: 'Also mine' }] });
    const behind = await api.status('ipad-1');
    expect(behind.body.collections.products?.pendingChanges).toBe(3);
    expect(behind.body.collections.customers?.pendingChanges).toBe(0);
    expect(behind.body.upToDate).toBe(false);

    await api.syncAll('ipad-1', first.cursor);
    expect((await api.status('ipad-1')).body.upToDate).toBe(true);

    const anonymous = await api.status();
    expect(anonymous.body.device).toBeNull();
    expect(anonymous.body.upToDate).toBeNull();
    expect(anonymous.body.collections.products?.pendingChanges).toBeNull();
  });
});
