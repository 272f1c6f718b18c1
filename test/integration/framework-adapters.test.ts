// The RxDB and WatermelonDB adapters against the local server, case by case:
// what each framework makes easy to get wrong, shown once as the app sees it
// through the framework's own queries. (The seed-rule property,
// seed-rule-clients.test.ts, runs them through random histories.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStore, StoreOwnedByAnotherError, SyncClient, type WireRecord } from '../../client/index.ts';
import { recordOf as fromRxdb } from '../../client/rxdb.ts';
import { recordOf as fromWatermelon } from '../../client/watermelon.ts';
import type { CollectionName, RecordOf } from '../../protocol/records.ts';
import { openRxdb, openWatermelon } from '../support/frameworks.ts';
import { type Stack, startStack } from '../support/local-stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

type Opened = { store: LocalStore; shown: (c: CollectionName) => Promise<WireRecord[]> };
const closing: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((close) => close()));
});

const frameworks: [string, () => Promise<Opened>][] = [
  [
    'RxDB',
    async () => {
      const { db, store } = await openRxdb();
      closing.push(() => db.close());
      return {
        store,
        shown: async (c) => (await db.collections[c]!.find({ sort: [{ id: 'asc' }] }).exec()).map((d) => fromRxdb(d)),
      };
    },
  ],
  [
    'WatermelonDB',
    async () => {
      const { db, store } = await openWatermelon();
      return {
        store,
        shown: async (c) =>
          (await db.get(c).query().fetch()).map((r) => fromWatermelon(c, r)).sort((a, b) => (a.id < b.id ? -1 : 1)),
      };
    },
  ],
];

describe.each(frameworks)('the %s adapter', (_name, open) => {
  const replica = async (account: string, deviceId: string, userId?: string) => {
    const opened = await open();
    const client = await stack.device(account, deviceId, {
      store: opened.store,
      ...(userId === undefined ? {} : { accountId: account, userId }),
    });
    return { ...opened, client };
  };

  it('shows a deletion at once, pushes it with its stamp, and removes what the web deleted at Sync Now', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account);
    const ipad = await replica(account, 'ipad');
    await ipad.client.save('products', { id: 'p1', name: 'Grinder', sku: 'GR-1', priceCents: 100, currency: 'EUR' });
    await ipad.client.save('products', { id: 'p2', name: 'Kettle', sku: 'KE-1', priceCents: 200, currency: 'EUR' });
    await ipad.client.syncNow();
    expect(await ipad.client.remove('products', 'p1')).toBe(true);
    expect(
      (await ipad.shown('products')).map((r) => r.id),
      'gone from the framework at once',
    ).toStrictEqual(['p2']);
    expect((await ipad.client.loginPush()).results.map((r) => r.status)).toStrictEqual(['updated']);
    expect((await web.request('GET', '/v1/records/products/p1')).status).toBe(410);
    expect((await web.request('DELETE', '/v1/records/products/p2')).status).toBe(204);
    await ipad.client.syncNow();
    expect(await ipad.shown('products')).toStrictEqual([]);
    expect(await ipad.client.discardedEdits()).toStrictEqual([]);
  });

  it('keeps nested members and shows no nulls: what it shows is the record the backend holds', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account);
    const ipad = await replica(account, 'ipad');
    const address = { line1: 'Hafenstr. 1', city: 'Hamburg', country: 'DE' };
    await ipad.client.save('customers', { id: 'c1', name: 'Roastery Nord', address });
    await ipad.client.save('orders', {
      id: 'o1',
      customerId: 'c1',
      status: 'draft',
      currency: 'EUR',
      lines: [{ productId: 'p1', quantity: 2, unitPriceCents: 100 }],
    });
    await web.request('PUT', '/v1/records/products/p9', {
      name: 'Scale',
      sku: 'SC-1',
      priceCents: 900,
      currency: 'EUR',
      tags: ['new', 'kitchen'],
    });
    await ipad.client.syncNow();
    // The fields (the rep's own versions keep their own stamp until the backend's comes back).
    const fields = ({ updatedAt: _at, updatedBy: _by, ...rest }: WireRecord) => rest;
    for (const collection of ['products', 'customers', 'orders'] as const) {
      const listed = (await web.request<{ records: WireRecord[] }>('GET', `/v1/records/${collection}`)).body.records;
      expect((await ipad.shown(collection)).map(fields), collection).toStrictEqual(listed.map(fields));
    }
    // An app saves from what it shows: a record read from the framework goes back as it is.
    const [customer] = (await ipad.shown('customers')) as RecordOf<'customers'>[];
    await ipad.client.save('customers', { ...customer!, notes: 'prefers mornings' });
    expect((await ipad.client.loginPush()).results.map((r) => r.status)).toStrictEqual(['updated']);
  });

  it('replaces its clean records with a snapshot: what the web deleted before the first Sync Now goes, what this pass pushed stays', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account);
    const ipad = await replica(account, 'ipad');
    for (const id of ['c1', 'c2']) await ipad.client.save('customers', { id, name: `Customer ${id}` });
    await ipad.client.loginPush(); // pushed before any Sync Now: no cursor yet
    expect((await web.request('DELETE', '/v1/records/customers/c1')).status).toBe(204);
    await ipad.client.save('customers', { id: 'c3', name: 'Made offline' });
    await ipad.client.syncNow(); // a snapshot, which also pushes c3
    expect((await ipad.shown('customers')).map((r) => r.id)).toStrictEqual(['c2', 'c3']);
  });

  it('belongs to one account and user: another identity is refused until reset()', async () => {
    const account = stack.newAccount();
    const first = await replica(account, 'ipad', 'alice');
    await first.client.save('customers', { id: 'c1', name: 'Alice’s customer' });
    const other = new SyncClient({
      baseUrl: stack.api.url,
      deviceId: 'ipad',
      token: 'unused',
      accountId: account,
      userId: 'bob',
      store: first.store,
    });
    await expect(other.loginPush()).rejects.toThrow(StoreOwnedByAnotherError);
    await other.reset();
    expect(await first.shown('customers')).toStrictEqual([]);
  });
});
