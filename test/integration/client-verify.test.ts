// The client's verify and repair against the real local server: the digest
// (v2: content too) over the device's own copy (recomputed here with
// node:crypto and the canonicalize package from the protocol's definition,
// never with the client's or the server's code), what
// a verify and a repair cost in requests and records, the queue they share
// with Sync Now, a repair in the middle of an interrupted snapshot, and a
// pending edit under a record the web changed.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewOf } from '../../client/apply.ts';
import { VersionIndex } from '../../client/digest.ts';
import {
  type Fetch,
  type LocalRow,
  type LocalStore,
  MemoryStore,
  type SyncClientOptions,
  type SyncState,
} from '../../client/index.ts';
import { seedItems, storedItem } from '../../dev/seed.ts';
import { type CollectionName, collectionNames } from '../../protocol/records.ts';
import { type Stack, startStack, product as stored, webProduct } from '../support/local-stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const HOUR = 3_600_000;
const T = 1_800_000_000_000;
const product = (name: string, priceCents = 100) => ({ name, sku: `SKU-${name}`, priceCents, currency: 'EUR' });
const device = (account: string, store: LocalStore, extra: Partial<SyncClientOptions> = {}) =>
  stack.device(account, 'ipad-1', { store, ...extra });

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The protocol's content hash written out: SHA-256 of RFC 8785 JSON of the record less id, updatedAt, deleted, updatedBy, base. */
function contentHashOf(record: Record<string, unknown>): string {
  const { id: _i, updatedAt: _u, deleted: _d, updatedBy: _b, base: _base, ...content } = record;
  return sha256(canonicalize(content)!);
}

/** The protocol's digest v2 written out: per record the first 8 bytes of SHA-256(id \n updatedAt \n contentHash), summed mod 2^64. */
function digest(versions: { id: string; updatedAt: number; contentHash: string }[]): string {
  let sum = 0n;
  for (const { id, updatedAt, contentHash } of versions) {
    sum += BigInt(`0x${sha256(`${id}\n${updatedAt}\n${contentHash}`).slice(0, 16)}`);
  }
  return (sum % 2n ** 64n).toString(16).padStart(16, '0');
}

/** What one request of the client was, and how many records a list page brought. */
type Sent = { method: string; path: string; records: number };
/** fetch that notes every request the client makes. */
function observed(log: Sent[]): Fetch {
  return async (url, init) => {
    const response = await fetch(url, init);
    const text = await response.text();
    const path = new URL(url).pathname;
    const records = path.startsWith('/v1/records/') ? (JSON.parse(text) as { records: unknown[] }).records.length : 0;
    log.push({ method: init.method, path, records });
    return { status: response.status, headers: response.headers, text: async () => text };
  };
}

const pad = (n: number) => `p-${String(n).padStart(5, '0')}`;

/** An account whose backend holds `n` products p-00000…, written straight into the table. */
async function catalogue(n: number): Promise<string> {
  const account = stack.newAccount();
  const items = Array.from({ length: n }, (_, i) => storedItem(account, 'products', stored(pad(i), T + i), T));
  await seedItems(stack.client, items);
  return account;
}

describe('verify', () => {
  it("computes each collection's digest v2 over the device's own view as node:crypto does, and as the server does", async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    for (let i = 0; i < 5; i++) await web.put('products', `p-${i}`, webProduct(`Product ${i}`));
    await web.put('customers', 'c-1', { name: 'Roastery Nord' });
    const store = new MemoryStore();
    const ipad = await device(account, store, { now: () => Date.now() + HOUR }); // an hour ahead
    await ipad.syncNow();
    await ipad.save('customers', { name: 'Met at the show' });
    await ipad.loginPush(); // acknowledged at the server's skew-corrected updatedAt
    await ipad.save('products', { id: 'p-1', ...product('Edited on the iPad') }); // pending over p-1's version
    await ipad.save('products', product('Made on the iPad')); // pending, not on the backend

    for (const collection of collectionNames) {
      const rows = await store.list(collection);
      // The device's view, by the protocol's words: clean rows as received (at the backend's updatedAt, with the
      // content they hold), pending ones at the backend version under their edit.
      const view = rows.flatMap((r: LocalRow) => {
        if (r.pending) return r.backend === null ? [] : [{ id: r.id, ...r.backend }];
        return [{ id: r.id, updatedAt: r.backend!.updatedAt, contentHash: contentHashOf(r.record) }];
      });
      const server = await web.request<{ parts: { count: number; digest: string }[] }>('POST', '/v1/sync/verify', {
        deviceId: 'ipad-1',
        collection,
        parts: 1,
        digest: 'v2',
      });
      const client = new VersionIndex(
        rows.flatMap((r) => {
          const version = viewOf(r);
          return version === null ? [] : [{ id: r.id, ...version }];
        }),
        'v2',
      );
      expect(client.range(null, null).digest, `${collection}: the client's digest`).toBe(digest(view));
      expect(server.body.parts[0]!.digest, `${collection}: the server's digest`).toBe(digest(view));
      expect(server.body.parts[0]!.count).toBe(view.length);
    }
    // The skewed push is why the view keeps the backend's updatedAt: the rep's stamp would not match.
    const lead = (await store.list('customers')).find((r) => r.record.name === 'Met at the show')!;
    expect(lead.backend?.updatedAt).not.toBe(lead.record.updatedAt);

    const seen: SyncState[] = [];
    ipad.subscribe((s) => seen.push(s));
    const result = await ipad.verify();
    expect(result.matched).toBe(true);
    const held: Record<CollectionName, number> = { products: 5, customers: 2, orders: 0 };
    expect(result.collections.map((c) => [c.collection, c.matched, c.backendCount])).toStrictEqual(
      collectionNames.map((c) => [c, true, held[c]]),
    );
    expect(result.requests).toBe(collectionNames.length); // one per collection: each matched at once
    expect(seen.some((s) => s.phase === 'verifying' && s.verifyProgress !== null)).toBe(true);
    expect(ipad.getState()).toMatchObject({ phase: 'idle', lastVerifiedAt: result.serverTime, verifyProgress: null });
    // Kept in the store: a client started later (offline) still knows it.
    const later = await device(account, store, { baseUrl: 'http://127.0.0.1:1' });
    expect((await later.refresh()).lastVerifiedAt).toBe(result.serverTime);
  });

  it('queues behind a Sync Now, and a Sync Now behind it: one sync at a time', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    for (let i = 0; i < 6; i++) await web.put('products', `p-${i}`, webProduct(`Product ${i}`));
    const log: Sent[] = [];
    const ipad = await device(account, new MemoryStore(), { fetch: observed(log), pageSize: 2 });
    const [synced, verified, again] = await Promise.all([ipad.syncNow(), ipad.verify(), ipad.syncNow()]);
    expect(synced.pages).toBeGreaterThanOrEqual(3);
    expect(verified.matched, 'it saw what the Sync Now before it stored').toBe(true);
    expect(log.map((s) => s.path)).toStrictEqual([
      ...Array(synced.pages).fill('/v1/sync/now'),
      ...Array(collectionNames.length).fill('/v1/sync/verify'),
      ...Array(again.pages).fill('/v1/sync/now'),
    ]);
  });

  it('a matching 10,000-record collection costs its verify pages (one per 2,000 records read), O(collections) requests; 10 damaged records cost O(k log n) records fetched', async () => {
    const account = await catalogue(10_000);
    const log: Sent[] = [];
    const store = new MemoryStore();
    const ipad = await device(account, store, { fetch: observed(log), pageSize: 1000 });
    await ipad.syncNow();
    log.length = 0;
    const result = await ipad.verify();
    expect(result.matched).toBe(true);
    const requests = log.filter((s) => s.path === '/v1/sync/verify').length;
    console.info(`verify of a matching 10,000-record catalogue: ${requests} requests, ${log.length} in all`);
    expect(log).toHaveLength(requests);
    expect(requests).toBe(result.requests);
    // A page reads 2,000 items and ends before the last one read: six pages, and one per empty collection.
    expect(requests).toBeLessThanOrEqual(Math.ceil(10_000 / 1_999) + collectionNames.length - 1);

    // Ten records damaged: dropped, aged, at another version, and extras the backend never had.
    const rows = await store.list('products');
    const pick = (i: number) => rows.find((r) => r.id === pad(i))!;
    const damaged = [137, 1024, 2048, 3333, 5000, 6001, 7777, 9998];
    await store.apply({
      remove: damaged.slice(0, 3).map((i) => ({ collection: 'products', id: pad(i) })),
      put: [
        ...damaged.slice(3, 6).map((i) => {
          const row = pick(i);
          const older = row.record.updatedAt - 60_000;
          const backend = { ...row.backend!, updatedAt: older };
          return { ...row, record: { ...row.record, updatedAt: older, name: 'an older copy' }, backend };
        }),
        ...damaged
          .slice(6)
          .map((i) => ({ ...pick(i), backend: { ...pick(i).backend!, updatedAt: pick(i).record.updatedAt + 5 } })),
        ...['p-04999x', 'q-0'].map((id) => ({ ...pick(0), id, record: { ...pick(0).record, id } })),
      ],
    });
    log.length = 0;
    const found = await ipad.verify();
    expect(found.matched).toBe(false);
    const [products] = found.collections;
    const wrong = [...damaged.map(pad), 'p-04999x', 'q-0'];
    for (const id of wrong) {
      expect(
        products!.differing.some((r) => (r.from === null || id >= r.from) && (r.to === null || id < r.to)),
        id,
      ).toBe(true);
    }
    const verifyRequests = log.length;
    log.length = 0;
    const repair = await ipad.repair(found);
    const listed = log.filter((s) => s.path.startsWith('/v1/records/'));
    const fetched = listed.reduce((n, s) => n + s.records, 0);
    console.info(
      `10 damaged in 10,000: verify ${verifyRequests} requests over ${products!.differing.length} ranges; repair ${listed.length} list requests, ${fetched} records fetched (stored ${repair.stored}, removed ${repair.removed}), then ${repair.after.requests} verify requests`,
    );
    expect(fetched).toBe(repair.fetched);
    expect(fetched).toBeLessThanOrEqual(10 * 32);
    expect(repair.records.map((r) => r.id).sort()).toStrictEqual(wrong.sort());
    expect([repair.stored, repair.removed]).toStrictEqual([8, 2]);
    expect(repair.after.matched).toBe(true);
    expect(ipad.getState().lastVerifiedAt).toBe(repair.after.serverTime);
    expect((await ipad.list('products')).length).toBe(10_000);
  }, 240_000);
});

describe('repair', () => {
  it('keeps a row it repairs in the middle of an interrupted snapshot through that snapshot’s sweep', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    for (let i = 0; i < 6; i++) await web.put('products', `p-${i}`, webProduct(`Product ${i}`));
    const store = new MemoryStore();
    let cut = false;
    let pages = 0;
    const flaky: Fetch = async (url, init) => {
      if (url.endsWith('/v1/sync/now') && ++pages === 2 && !cut) {
        cut = true;
        throw new TypeError('the Wi-Fi dropped');
      }
      return fetch(url, init);
    };
    const ipad = await device(account, store, { fetch: flaky, pageSize: 2, retry: { attempts: 1 } });
    await expect(ipad.syncNow()).rejects.toThrow(/Wi-Fi/);
    const [first] = await store.list('products');
    expect(first?.mark).not.toBeNull();
    await store.apply({ remove: [{ collection: 'products', id: first!.id }] }); // lost from the first page

    const repair = await ipad.repair();
    expect(repair.after.matched).toBe(true);
    expect((await store.get({ collection: 'products', id: first!.id }))?.mark).toBe(first!.mark);
    await ipad.syncNow(); // the snapshot's remaining pages, then its sweep
    expect((await ipad.list('products')).map((r) => r.id).sort()).toStrictEqual(
      Array.from({ length: 6 }, (_, i) => `p-${i}`),
    );
    expect((await ipad.verify()).matched).toBe(true);
  });

  it('never changes a pending edit: one under a record the web changed only learns the backend version', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'p-1', webProduct('Espresso machine'));
    await web.put('products', 'p-2', webProduct('Grinder'));
    const store = new MemoryStore();
    const ipad = await device(account, store);
    await ipad.syncNow();
    await ipad.save('products', { id: 'p-1', ...product('Show price') });
    const edit = await store.get({ collection: 'products', id: 'p-1' });
    await new Promise((r) => setTimeout(r, 50));
    const newer = (await web.put('products', 'p-1', webProduct('Web price'))).body.record.updatedAt;
    await web.delete('products', 'p-2');

    const found = await ipad.verify();
    expect(found.collections[0]!.differing.flatMap((r) => r.localIds)).toStrictEqual(['p-1', 'p-2']);
    const repair = await ipad.repair(found);
    expect(repair).toMatchObject({ fetched: 1, stored: 0, removed: 1, noted: 1 });
    expect(repair.after.matched).toBe(true);
    const webVersion = (await web.get('products', 'p-1')).body.record;
    expect(await store.get({ collection: 'products', id: 'p-1' }), 'the edit and its base untouched').toStrictEqual({
      ...edit,
      backend: { updatedAt: newer, contentHash: contentHashOf(webVersion) },
    });
    expect((await ipad.get('products', 'p-1'))?.name).toBe('Show price');
    expect(ipad.getState().unsent).toStrictEqual({ products: 1 });
  });

  it("reports only what differed: the device's own acknowledged pushes (kept at its own stamp) are not 'repaired'", async () => {
    const account = stack.newAccount();
    const store = new MemoryStore();
    // A clock two hours behind: the backend stamps each push at the corrected time, the device keeps its own.
    const ipad = await device(account, store, { now: () => Date.now() - 2 * HOUR });
    // 100 records: the differing part around the damage holds several of them.
    for (let i = 0; i < 100; i++) await ipad.save('products', { id: pad(i), ...product(`Mine ${i}`) });
    await ipad.loginPush();
    const rows = await store.list('products');
    expect(rows.every((r) => r.backend?.updatedAt !== r.record.updatedAt)).toBe(true); // acknowledged, at the rep's own stamp
    await store.apply({ remove: [{ collection: 'products', id: pad(42) }] });

    const found = await ipad.verify();
    expect(found.matched).toBe(false);
    const repair = await ipad.repair(found);
    expect(repair.fetched).toBeGreaterThan(1); // the range fetched held acknowledged rows too
    expect(repair.records).toStrictEqual([{ collection: 'products', id: pad(42), change: 'stored' }]);
    expect(repair.after.matched).toBe(true);
  });
});
