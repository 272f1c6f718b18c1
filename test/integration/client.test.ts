// The reference client against the real local server and DynamoDB Local.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LocalStore, MemoryStore, SyncClient } from '../../client/index.ts';
import { SqliteStore } from '../../client/sqlite-store.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { type Stack, startStack, TEST_JWT_SECRET, webProduct } from '../support/local-stack.ts';

let stack: Stack;
const dirs: string[] = [];
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function device(
  account: string,
  deviceId: string,
  store: LocalStore = new MemoryStore(),
  extra: Partial<ConstructorParameters<typeof SyncClient>[0]> = {},
) {
  const token = await signLocalToken(TEST_JWT_SECRET, account, `rep-${deviceId}`);
  return new SyncClient({
    baseUrl: stack.api.url,
    deviceId,
    token: () => token,
    store,
    retry: { sleep: async () => {} },
    ...extra,
  });
}
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
    assert.deepEqual(names(await ipad.list('products')), ['Catalogue item', 'Discontinued']); // rule 1

    await ipad.save('products', { id: 'p-web', ...product('Edited on the iPad', 90) }); // older than the web edit below
    await ipad.save('products', { id: 'p-doomed', ...product('Edited, but deleted on the web') });
    const leadId = await ipad.save('customers', { name: 'Met at the show' }); // rule 3
    // The web edits later. The gap must exceed request latency, which skew
    // correction counts in the device's favour (a few ms; more under load).
    await new Promise((r) => setTimeout(r, 250));
    await web.put('products', 'p-web', webProduct('Web price change', 120)); // rule 2b
    await web.delete('products', 'p-doomed'); // rule 2c

    const push = await ipad.loginPush();
    assert.deepEqual(push.results.map((r) => r.status).sort(), ['created', 'deleted', 'stale']);
    assert.deepEqual(
      names(await ipad.list('products')),
      ['Edited on the iPad', 'Edited, but deleted on the web'],
      'login push changes nothing',
    );
    assert.equal((await web.get('customers', leadId)).status, 200);

    const progress: number[] = [];
    await ipad.syncNow((p) => progress.push(p.page));
    assert.deepEqual(names(await ipad.list('products')), ['Web price change']);
    assert.equal((await ipad.list('customers')).length, 1);
    assert.deepEqual(progress, [1]);

    await ipad.save('products', { id: 'p-web', ...product('Mobile is newer now', 130) }); // rule 2a
    await ipad.loginPush();
    assert.equal((await web.get('products', 'p-web')).body.record.name, 'Mobile is newer now');
    assert.equal((await ipad.status()).upToDate, true);
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
    assert.equal((await ipad.get('products', 'p1'))?.name, 'Edited while syncing');
    assert.equal((await store.pending()).length, 1);
    await ipad.syncNow();
    assert.equal((await web.get('products', 'p1')).body.record.name, 'Edited while syncing');
    assert.equal((await store.pending()).length, 0);
  });

  it('never stamps two versions alike: a second edit in the same millisecond still reaches the backend (found by the convergence property)', async () => {
    const account = stack.newAccount();
    const frozen = Date.now();
    const ipad = await device(account, 'ipad-1', new MemoryStore(), { now: () => frozen });
    await ipad.save('products', { id: 'p1', ...product('first') });
    await ipad.loginPush();
    await ipad.save('products', { id: 'p1', ...product('second, same millisecond') });
    const push = await ipad.loginPush();
    assert.equal(push.results[0]?.status, 'updated', 'not mistaken for a retry of the first version');
    const web = await stack.as(account);
    assert.equal((await web.get('products', 'p1')).body.record.name, 'second, same millisecond');
  });

  it('keeps stamping forward when the device clock is set back', async () => {
    const account = stack.newAccount();
    let clock = Date.now();
    const ipad = await device(account, 'ipad-1', new MemoryStore(), { now: () => clock });
    await ipad.save('products', { id: 'p1', ...product('before the clock change') });
    await ipad.loginPush();
    clock -= 3_600_000; // the rep sets the iPad's clock back an hour
    await ipad.save('products', { id: 'p1', ...product('after the clock change') });
    assert.equal((await ipad.loginPush()).results[0]?.status, 'updated');
  });

  it('quarantines an invalid record with its issues and pushes the rest', async () => {
    const account = stack.newAccount();
    const ipad = await device(account, 'ipad-1');
    await ipad.save('products', { ...product('ok') });
    const bad = await ipad.save('products', { ...product('bad'), priceCents: -5 });
    await ipad.loginPush();
    assert.deepEqual(
      (await ipad.rejected()).map((r) => [r.id, r.issues[0]?.path]),
      [[bad, 'priceCents']],
    );
    const second = await ipad.loginPush();
    assert.equal(second.pushed, 0, 'a quarantined record is not re-sent until edited');
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
    assert.equal(summary.pages, 1);
    assert.deepEqual(
      (await ipad.list('products')).map((r) => r.id),
      [keep],
    );
  });

  it('pages through 1,200 records with a SQLite store that survives a restart', async () => {
    const account = stack.newAccount();
    const writer = await device(account, 'android-2');
    for (let i = 0; i < 1200; i++) await writer.save('products', { id: `p${i}`, ...product(`n${i}`) });
    assert.equal((await writer.loginPush()).pushed, 1200);

    const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
    dirs.push(dir);
    const first = new SqliteStore(join(dir, 'device.db'));
    const ipad = await device(account, 'ipad-1', first, { pageSize: 400 });
    const pages: number[] = [];
    const summary = await ipad.syncNow((p) => pages.push(p.page));
    assert.deepEqual(pages, [1, 2, 3, 4]);
    assert.equal(summary.pulled, 1200);
    first.close();

    const reopened = new SqliteStore(join(dir, 'device.db'));
    const again = await device(account, 'ipad-1', reopened);
    assert.equal((await again.list('products')).length, 1200);
    await again.save('products', { id: 'p7', ...product('edited after restart') });
    await again.syncNow();
    assert.equal((await (await stack.as(account)).get('products', 'p7')).body.record.name, 'edited after restart');
    reopened.close();
  });
});
