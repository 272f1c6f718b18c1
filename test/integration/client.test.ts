// The reference client against the real local server and DynamoDB Local.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidRecordError,
  type LocalStore,
  MemoryStore,
  StoreOwnedByAnotherError,
  type SyncClient,
  type SyncClientOptions,
} from '../../client/index.ts';
import { IndexedDbStore } from '../../client/indexeddb-store.ts';
import { SqliteStore } from '../../client/sqlite-store.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { type Stack, startStack, TEST_JWT_SECRET, webProduct } from '../support/local-stack.ts';

let stack: Stack;
const dirs: string[] = [];
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const device = (
  account: string,
  deviceId: string,
  store: LocalStore = new MemoryStore(),
  extra: Partial<SyncClientOptions> = {},
) => stack.device(account, deviceId, { store, ...extra });
const names = (records: Record<string, unknown>[]) => records.map((r) => String(r.name)).sort();
const product = (name: string, priceCents = 100) => ({ name, sku: `SKU-${name}`, priceCents, currency: 'EUR' });

describe('SyncClient', () => {
  it('plays the seed: created on mobile, web newer, mobile newer, web delete wins over an edit', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    const ipad = await device(account, 'ipad-1');
    await web.put('products', 'p-web', webProduct('Catalogue item'));
    await web.put('products', 'p-doomed', webProduct('Discontinued'));
    await ipad.syncNow();
    expect(names(await ipad.list('products'))).toEqual(['Catalogue item', 'Discontinued']); // rule 1

    await ipad.save('products', { id: 'p-web', ...product('Edited on the iPad', 90) }); // older than the web edit below
    await ipad.save('products', { id: 'p-doomed', ...product('Edited, but deleted on the web') });
    const leadId = await ipad.save('customers', { name: 'Met at the show' }); // rule 3
    // The web edits later. The gap must exceed request latency, which skew
    // correction counts in the device's favour (a few ms; more under load).
    await new Promise((r) => setTimeout(r, 250));
    await web.put('products', 'p-web', webProduct('Web price change', 120)); // rule 2b
    await web.delete('products', 'p-doomed'); // rule 2c

    const push = await ipad.loginPush();
    expect(push.results.map((r) => r.status).sort()).toEqual(['created', 'deleted', 'stale']);
    expect(names(await ipad.list('products')), 'login push changes nothing').toEqual([
      'Edited on the iPad',
      'Edited, but deleted on the web',
    ]);
    expect((await web.get('customers', leadId)).status).toBe(200);

    const progress: number[] = [];
    await ipad.syncNow((p) => progress.push(p.page));
    expect(names(await ipad.list('products'))).toEqual(['Web price change']);
    expect(await ipad.list('customers')).toHaveLength(1);
    expect(progress).toEqual([1]);

    await ipad.save('products', { id: 'p-web', ...product('Mobile is newer now', 130) }); // rule 2a
    await ipad.loginPush();
    expect((await web.get('products', 'p-web')).body.record.name).toBe('Mobile is newer now');
    expect((await ipad.status()).upToDate).toBe(true);
  });

  it('keeps an edit made during a Sync Now pending, and sends it next time', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'p1', webProduct('From the web'));
    const store = new MemoryStore();
    let ipad: SyncClient;
    let editedMidSync = false;
    const slowFetch: typeof fetch = async (url, init) => {
      const response = await fetch(url, init);
      if (!editedMidSync && String(url).endsWith('/v1/sync/now')) {
        editedMidSync = true;
        await ipad.save('products', { id: 'p1', ...product('Edited while syncing') }); // the response is not applied yet
      }
      return response;
    };
    ipad = await device(account, 'ipad-1', store, { fetch: slowFetch as never });
    await ipad.syncNow();
    expect((await ipad.get('products', 'p1'))?.name).toBe('Edited while syncing');
    expect(await store.pending()).toHaveLength(1);
    await ipad.syncNow();
    expect((await web.get('products', 'p1')).body.record.name).toBe('Edited while syncing');
    expect(await store.pending()).toHaveLength(0);
  });

  it('never stamps two versions alike: a second edit in the same millisecond still reaches the backend (found by the convergence property)', async () => {
    const account = stack.newAccount();
    const frozen = Date.now();
    const ipad = await device(account, 'ipad-1', new MemoryStore(), { now: () => frozen });
    await ipad.save('products', { id: 'p1', ...product('first') });
    await ipad.loginPush();
    await ipad.save('products', { id: 'p1', ...product('second, same millisecond') });
    const push = await ipad.loginPush();
    expect(push.results[0]?.status, 'not mistaken for a retry of the first version').toBe('updated');
    const web = await stack.as(account);
    expect((await web.get('products', 'p1')).body.record.name).toBe('second, same millisecond');
  });

  it("keeps each row's edit base (fixed at the edit, moved only by this device's own acknowledged version) and backend version", async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    const store = new MemoryStore();
    let during: (() => Promise<unknown>) | null = null;
    const editing: typeof fetch = async (url, init) => {
      const response = await fetch(url, init);
      const edit = during;
      during = null;
      await edit?.(); // after the server answered, before the client applies the answer
      return response;
    };
    const ipad = await device(account, 'ipad-1', store, { now: () => Date.now() + 3_600_000, fetch: editing }); // an hour ahead
    const row = async (id: string) => (await store.get({ collection: 'products', id }))!;

    await web.put('products', 'p-web', webProduct('From the web'));
    await ipad.syncNow();
    const pulled = await row('p-web');
    expect(pulled.backend?.updatedAt, 'pulled: the version received').toBe(pulled.record.updatedAt);
    expect(pulled.base, 'a clean row has no edit base').toBeNull();

    await ipad.save('products', { id: 'p-new', ...product('Made on the iPad') });
    expect((await row('p-new')).base, 'made here').toBeNull();
    expect((await row('p-new')).backend).toBeNull();
    await ipad.loginPush();
    const acknowledged = (await web.get('products', 'p-new')).body.record.updatedAt;
    expect((await row('p-new')).backend?.updatedAt, "acknowledged: the backend's skew-corrected updatedAt").toBe(
      acknowledged,
    );
    expect((await row('p-new')).record.updatedAt, "the rep's copy keeps its own stamp").not.toBe(acknowledged);

    // An edit is based on the backend version it edits (for an acknowledged push, the backend's stamp); a second keeps it.
    await ipad.save('products', { id: 'p-new', ...product('Edited once') });
    expect((await row('p-new')).base).toBe(acknowledged);
    await ipad.save('products', { id: 'p-web', ...product('Edited on the iPad') });
    await ipad.save('products', { id: 'p-web', ...product('Edited twice') });
    expect((await row('p-web')).base, 'fixed at the first edit').toBe(pulled.record.updatedAt);

    // This device's own earlier version acknowledged while the rep edited again: the newer edit's base moves to it.
    during = () => ipad.save('products', { id: 'p-new', ...product('Edited while its push was answered') });
    const second = await ipad.loginPush();
    const stored = (await web.get('products', 'p-new')).body.record;
    expect(stored.name).toBe('Edited once');
    expect((await row('p-new')).base, 'moved by the acknowledgement').toBe(stored.updatedAt);
    expect((await row('p-new')).pending).toBe(true);
    expect((await ipad.loginPush()).results).toMatchObject([
      { collection: 'products', id: 'p-new', status: 'updated' },
    ]);

    // A newer web version beats the iPad's next edit of p-web: its base stays (v1.2 moved it to the winner's).
    expect(second.results.find((r) => r.id === 'p-web')?.status).toBe('updated'); // p-web went out with p-new
    await ipad.save('products', { id: 'p-web', ...product('Edited on the iPad, again') });
    const base = (await row('p-web')).base;
    await new Promise((r) => setTimeout(r, 250));
    const newer = (await web.put('products', 'p-web', webProduct('Web again'))).body.record.updatedAt;
    expect((await ipad.loginPush()).results).toMatchObject([{ id: 'p-web', status: 'stale' }]);
    expect((await row('p-web')).base, 'a stale result never moves a base').toBe(base);
    expect((await row('p-web')).lost).toBe(true);
    expect(newer).toBeGreaterThan(base!);
  });

  it('sends every record with its base, so an echo of a received version never wins (B3) and an edit of the latest always does (B4)', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    const bodies: { changes?: Record<string, { id: string; base?: unknown }[]> }[] = [];
    const recording: typeof fetch = async (url, init) => {
      if (String(url).endsWith('/v1/sync/push')) bodies.push(JSON.parse(String(init?.body)));
      return fetch(url, init);
    };
    // A clock two hours behind, compressing nothing (to read the bodies).
    const ipad = await device(account, 'ipad-1', new MemoryStore(), {
      now: () => Date.now() - 2 * 3_600_000,
      fetch: recording,
      compress: null,
    });
    await web.put('products', 'p1', webProduct('From the web'));
    await ipad.syncNow();
    const received = (await ipad.get('products', 'p1'))!;
    await ipad.save('products', { ...received, name: 'Edited on the iPad' });
    await ipad.save('products', product('Made on the iPad'));
    expect((await ipad.loginPush()).results.map((r) => r.status)).toStrictEqual(['updated', 'created']);
    expect(bodies[0]?.changes?.products?.map((r) => r.base)).toStrictEqual([received.updatedAt, null]);
    expect((await web.get('products', 'p1')).body.record.name).toBe('Edited on the iPad');
  });

  it('keeps stamping forward when the device clock is set back', async () => {
    const account = stack.newAccount();
    let clock = Date.now();
    const ipad = await device(account, 'ipad-1', new MemoryStore(), { now: () => clock });
    await ipad.save('products', { id: 'p1', ...product('before the clock change') });
    await ipad.loginPush();
    clock -= 3_600_000; // the rep sets the iPad's clock back an hour
    await ipad.save('products', { id: 'p1', ...product('after the clock change') });
    expect((await ipad.loginPush()).results[0]?.status).toBe('updated');
  });

  it('refuses an invalid record or an unknown collection at save, so nothing blocks the queue', async () => {
    const account = stack.newAccount();
    const store = new MemoryStore();
    const ipad = await device(account, 'ipad-1', store);
    await expect(ipad.save('products', { ...product('bad'), priceCents: -5 })).rejects.toThrow(InvalidRecordError);
    // @ts-expect-error an unknown collection: refused by the types, and at run time for an app in plain JavaScript
    await expect(ipad.save('prodcts', product('typo'))).rejects.toThrow(/unknown collection/);
    await ipad.save('products', product('ok'));
    expect((await store.pending()).map((r) => r.record.name)).toEqual(['ok']);
    expect((await ipad.loginPush()).results.map((r) => r.status)).toEqual(['created']);
  });

  it('quarantines a record the backend rejects (left by an older app) and pushes the rest', async () => {
    const account = stack.newAccount();
    const store = new MemoryStore();
    const ipad = await device(account, 'ipad-1', store);
    await ipad.save('products', { ...product('ok') });
    const bad = { id: 'legacy-1', updatedAt: Date.now(), ...product('bad'), priceCents: -5 };
    await store.apply({
      put: [
        {
          collection: 'products',
          id: bad.id,
          record: bad,
          pending: true,
          editSeq: 99,
          issues: null,
          mark: null,
          base: null,
          backend: null,
          lost: false,
        },
      ],
    });
    await ipad.loginPush();
    expect((await ipad.rejected()).map((r) => [r.id, r.issues[0]?.path])).toEqual([[bad.id, 'priceCents']]);
    const second = await ipad.loginPush();
    expect(second.pushed, 'a quarantined record is not re-sent until edited').toBe(0);
  });

  it('never settles a pending edit it has not pushed: with more than one push chunk, no edit is lost', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    // Pushes of 10 records: 11 pending edits take two chunks (as 1,001 take two of 1,000).
    const store = new MemoryStore();
    const ipad = await device(account, 'ipad-1', store, { maxRecordsPerPush: 10 });
    for (let i = 0; i <= 10; i++) await web.put('products', `p${i}`, webProduct(`web ${i}`));
    await ipad.syncNow();
    // The web edits every record again (whichever lands in the second chunk is the one at risk)…
    for (let i = 0; i <= 10; i++) await web.put('products', `p${i}`, webProduct(`web edits p${i} again`));
    await new Promise((r) => setTimeout(r, 250)); // …and the device's edits below are later than the web's.
    for (let i = 0; i <= 10; i++) await ipad.save('products', { id: `p${i}`, ...product(`ipad ${i}`) });
    await ipad.syncNow();
    for (let i = 0; i <= 10; i++) {
      expect((await ipad.get('products', `p${i}`))?.name).toBe(`ipad ${i}`);
      expect((await web.get('products', `p${i}`)).body.record.name).toBe(`ipad ${i}`);
    }
    expect(await store.pending()).toEqual([]);
  });

  it('recovers from BAD_CURSOR (a rotated key) with a full snapshot instead of failing every Sync Now', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    const store = new MemoryStore();
    const ipad = await device(account, 'ipad-1', store);
    await web.put('products', 'p1', webProduct('one'));
    await ipad.syncNow();
    await store.apply({ meta: { cursor: 'eyJ2IjoxfQ.signed-with-the-old-key' } });
    await web.put('products', 'p2', webProduct('two'));
    const summary = await ipad.syncNow();
    expect(summary.pages).toBeGreaterThan(0);
    expect(names(await ipad.list('products'))).toEqual(['one', 'two']);
  });

  it("never pushes one account's pending edits under another: the store refuses until reset()", async () => {
    const first = stack.newAccount();
    const second = stack.newAccount();
    const store = new MemoryStore();
    const alice = await device(first, 'ipad-1', store);
    await alice.save('products', { id: 'p-secret', ...product('first account only') });
    const bob = await device(second, 'ipad-1', store);
    await expect(bob.loginPush()).rejects.toThrow(StoreOwnedByAnotherError);
    await expect(bob.syncNow()).rejects.toThrow(StoreOwnedByAnotherError);
    await expect(bob.save('products', product('x'))).rejects.toThrow(StoreOwnedByAnotherError);
    await bob.reset();
    await bob.syncNow();
    const web = await stack.as(second, 'web-admin');
    expect((await web.get('products', 'p-secret')).status).toBe(404);
    expect(await bob.list('products')).toEqual([]);
  });

  it('sizes pushes in UTF-8 bytes: 2.25 MB of euro signs (750,000 characters) goes in two requests', async () => {
    const account = stack.newAccount();
    let pushes = 0;
    const counting: typeof fetch = async (url, init) => {
      if (String(url).endsWith('/v1/sync/push')) pushes += 1;
      return fetch(url, init);
    };
    const ipad = await device(account, 'ipad-1', new MemoryStore(), { fetch: counting });
    for (let i = 0; i < 150; i++) await ipad.save('customers', { id: `c${i}`, name: `c${i}`, notes: '€'.repeat(5000) });
    const push = await ipad.loginPush();
    expect(push.results.every((r) => r.status === 'created')).toBe(true);
    expect(pushes).toBe(2);
  });

  it('asks for a fresh token once when the API answers 401', async () => {
    const account = stack.newAccount();
    const expired = await signLocalToken(TEST_JWT_SECRET, account, 'rep-ipad-1', Math.floor(Date.now() / 1000) - 60);
    const fresh = await signLocalToken(TEST_JWT_SECRET, account, 'rep-ipad-1');
    const asked: boolean[] = [];
    const ipad = await device(account, 'ipad-1', new MemoryStore(), {
      accountId: account,
      userId: 'rep-ipad-1',
      token: (options) => {
        asked.push(options?.refresh === true);
        return options?.refresh ? fresh : expired;
      },
    });
    await ipad.save('products', product('after refresh'));
    expect((await ipad.loginPush()).results.map((r) => r.status)).toEqual(['created']);
    expect(asked).toContain(true);
  });

  it('serializes local edits: saves not awaited one by one still get distinct edit numbers', async () => {
    const store = new MemoryStore();
    const ipad = await device(stack.newAccount(), 'ipad-1', store);
    await Promise.all([
      ipad.save('products', { id: 'a', ...product('a') }),
      ipad.save('products', { id: 'b', ...product('b') }),
    ]);
    expect((await store.pending()).map((r) => r.editSeq).sort()).toEqual([1, 2]);
  });

  it('drops local records the web deleted before the first Sync Now (snapshot replaces clean records)', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    const ipad = await device(account, 'ipad-1');
    const keep = await ipad.save('products', product('keep'));
    const drop = await ipad.save('products', product('drop'));
    await ipad.loginPush(); // both created, both clean now
    await web.delete('products', drop);
    const summary = await ipad.syncNow();
    expect(summary.pages).toBe(1);
    expect((await ipad.list('products')).map((r) => r.id)).toEqual([keep]);
  });

  it('pages through 1,200 records with a SQLite store that survives a restart', async () => {
    const account = stack.newAccount();
    const writer = await device(account, 'android-2');
    for (let i = 0; i < 1200; i++) await writer.save('products', { id: `p${i}`, ...product(`n${i}`) });
    expect((await writer.loginPush()).pushed).toBe(1200);

    const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
    dirs.push(dir);
    const first = new SqliteStore(join(dir, 'device.db'));
    const ipad = await device(account, 'ipad-1', first, { pageSize: 400 });
    const pages: number[] = [];
    const summary = await ipad.syncNow((p) => pages.push(p.page));
    expect(pages).toEqual([1, 2, 3, 4]);
    expect(summary.pulled).toBe(1200);
    first.close();

    const reopened = new SqliteStore(join(dir, 'device.db'));
    const again = await device(account, 'ipad-1', reopened);
    expect(await again.list('products')).toHaveLength(1200);
    await again.save('products', { id: 'p7', ...product('edited after restart') });
    await again.syncNow();
    expect((await (await stack.as(account)).get('products', 'p7')).body.record.name).toBe('edited after restart');
    reopened.close();
  });

  it('syncs with the IndexedDB store a browser app uses, surviving a reopen', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    for (let i = 0; i < 30; i++) await web.put('products', `p${i}`, webProduct(`n${i}`));
    const api = { indexedDB: new IDBFactory(), IDBKeyRange };
    const store = await IndexedDbStore.open('mobile-sales', api);
    const browser = await device(account, 'browser-1', store, { pageSize: 10 });
    await browser.save('customers', { id: 'c1', name: 'Lead from the browser' });
    const summary = await browser.syncNow();
    expect(summary.pulled).toBeGreaterThanOrEqual(30);
    store.close();
    const reopened = await device(account, 'browser-1', await IndexedDbStore.open('mobile-sales', api));
    expect(await reopened.list('products')).toHaveLength(30);
    expect((await web.get('customers', 'c1')).body.record.name).toBe('Lead from the browser');
  });
});
