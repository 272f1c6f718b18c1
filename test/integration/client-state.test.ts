// What an app shows, against the real local server: the observable sync
// state (phase, progress, last sync and push, unsent edits, last error by
// kind), change events, per-record outcomes, and the discarded edits —
// every local version that lost, with what beat it and who wrote that —
// restored or dismissed; and the small traps an app meets on day one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidRecordError,
  MemoryStore,
  NoSuchDiscardedEditError,
  OfflineError,
  SyncClient,
  type SyncClientOptions,
  type SyncState,
} from '../../client/index.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { type Stack, startStack, TEST_JWT_SECRET, webProduct } from '../support/local-stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const device = (account: string, deviceId = 'ipad-1', extra: Partial<SyncClientOptions> = {}) =>
  stack.device(account, deviceId, { retry: { sleep: async () => {}, attempts: 2 }, ...extra });
const product = (name: string, priceCents = 100) => ({ name, sku: `SKU-${name}`, priceCents, currency: 'EUR' });
const later = () => new Promise((r) => setTimeout(r, 250)); // past request latency, which skew correction credits the device

describe('the sync state an app observes', () => {
  it('shows each phase and the progress of a Sync Now, then its last sync and push, kept locally', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    for (let i = 0; i < 5; i++) await web.put('products', `p${i}`, webProduct(`p${i}`));
    const ipad = await device(account, 'ipad-1', { pageSize: 2 });
    const seen: SyncState[] = [];
    ipad.subscribe((state) => seen.push(state));
    await ipad.save('customers', { name: 'Lead' });
    expect(ipad.getState().unsent).toStrictEqual({ customers: 1 });
    await ipad.syncNow();
    const phases = seen.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toStrictEqual(['idle', 'pushing', 'pulling', 'idle']);
    expect(Math.max(...seen.map((s) => s.progress?.page ?? 0))).toBeGreaterThanOrEqual(3); // 6 records, pages of 2
    const state = ipad.getState();
    expect(state.lastSyncAt).toBeGreaterThan(0);
    expect(state.lastPushAt).toBeGreaterThan(0);
    expect(state.unsent).toStrictEqual({});
    // A new client over the same store, offline: the Account sync page still knows when it last synced.
    const offline = new SyncClient({
      baseUrl: 'http://127.0.0.1:1',
      deviceId: 'ipad-1',
      token: () => 'unused',
      accountId: account,
      userId: 'rep-ipad-1',
      store: (ipad as unknown as { options: { store: MemoryStore } }).options.store,
    });
    expect((await offline.refresh()).lastSyncAt).toBe(state.lastSyncAt);
  });

  it('counts unsent edits and tells subscribers as each save() and remove() lands, offline too', async () => {
    const ipad = offlineDevice();
    const seen: SyncState[] = [];
    ipad.subscribe((state) => seen.push(state));
    for (let i = 0; i < 4; i++) await ipad.save('customers', { id: `c${i}`, name: `Lead ${i}` });
    expect(ipad.getState().unsent).toStrictEqual({ customers: 4 });
    expect(seen.map((s) => s.unsent.customers)).toStrictEqual([1, 2, 3, 4]);
    await ipad.save('customers', { id: 'c0', name: 'Lead 0, edited' }); // still one unsent edit of c0
    await ipad.remove('customers', 'c1'); // its deletion replaces its creation: one unsent edit
    await ipad.save('products', product('Grinder'));
    expect(ipad.getState().unsent).toStrictEqual({ customers: 4, products: 1 });
    expect(seen).toHaveLength(5);
    expect(await ipad.refresh()).toMatchObject({ unsent: { customers: 4, products: 1 } });
  });

  it('keeps the last error with its code and kind, and recovers on the next success', async () => {
    const account = stack.newAccount();
    let token = await signLocalToken(TEST_JWT_SECRET, account, 'rep-ipad-1', Math.floor(Date.now() / 1000) - 60);
    const ipad = await device(account, 'ipad-1', { token: () => token, accountId: account, userId: 'rep-ipad-1' });
    await expect(ipad.syncNow()).rejects.toMatchObject({ kind: 'auth' });
    expect(ipad.getState()).toMatchObject({ phase: 'error', lastError: { code: 'UNAUTHORIZED', kind: 'auth' } });
    token = await signLocalToken(TEST_JWT_SECRET, account, 'rep-ipad-1');
    await ipad.syncNow();
    expect(ipad.getState()).toMatchObject({ phase: 'idle', lastError: null });
  });

  it('offline: an OfflineError, its kind kept in the state', async () => {
    const ipad = offlineDevice();
    await ipad.save('customers', { name: 'Lead' });
    const error = await ipad.syncNow().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfflineError);
    expect(ipad.getState()).toMatchObject({ phase: 'error', lastError: { kind: 'offline', code: null } });
  });

  it('a cancel through the signal is no error: the phase goes back to idle and the last error stays as it was', async () => {
    const account = stack.newAccount();
    const controller = new AbortController();
    const hanging: typeof fetch = (url, init) =>
      String(url).endsWith('/v1/sync/now')
        ? new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))
        : fetch(url, init);
    const ipad = await device(account, 'ipad-1', { fetch: hanging });
    const seen: SyncState[] = [];
    ipad.subscribe((state) => seen.push(state));
    const sync = ipad.syncNow(undefined, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    controller.abort(new Error('the rep left the page'));
    await expect(sync).rejects.toMatchObject({ kind: 'cancelled', message: 'cancelled: the rep left the page' });
    expect(seen.some((s) => s.phase === 'error')).toBe(false);
    expect(ipad.getState()).toMatchObject({ phase: 'idle', lastError: null });
  });

  it('ends a Sync Now without loading every local row', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    for (let i = 0; i < 20; i++) await web.put('products', `p${i}`, webProduct(`p${i}`));
    const store = new MemoryStore();
    let listed = 0;
    const list = store.list.bind(store);
    store.list = (collection) => {
      listed += 1;
      return list(collection);
    };
    const ipad = await device(account, 'ipad-1', { store });
    await ipad.save('customers', { name: 'Lead' });
    await ipad.syncNow();
    await ipad.loginPush();
    expect(listed, 'list() reads whole collections').toBe(0);
  });

  it('tells which records changed, for lists to refresh', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'p1', webProduct('one'));
    const ipad = await device(account);
    const changes: { collection: string; ids: string[] }[] = [];
    ipad.onChange((change) => changes.push(change));
    const id = await ipad.save('customers', { name: 'Lead' });
    await ipad.syncNow();
    expect(changes).toContainEqual({ collection: 'customers', ids: [id] });
    expect(changes).toContainEqual(
      expect.objectContaining({ collection: 'products', ids: expect.arrayContaining(['p1']) }),
    );
  });
});

/** A client whose API cannot be reached: ECONNREFUSED on every request. */
function offlineDevice(): SyncClient {
  return new SyncClient({
    baseUrl: 'http://127.0.0.1:1',
    deviceId: 'ipad-1',
    token: 'unused',
    accountId: 'acme',
    userId: 'alice',
    store: new MemoryStore(),
    retry: { sleep: async () => {}, attempts: 2 },
  });
}

describe('small traps', () => {
  it('save() refuses a lone surrogate (as the server would) with an InvalidRecordError naming the field', async () => {
    const ipad = offlineDevice();
    const error = await ipad.save('customers', { name: 'Café \uD83D' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRecordError);
    expect(error).toMatchObject({ kind: 'invalid-record', issues: [{ path: 'name', message: /well-formed Unicode/ }] });
    expect(ipad.getState().unsent).toStrictEqual({});
  });

  it('remove() of an id this device never saw stores and pushes nothing', async () => {
    const account = stack.newAccount();
    const ipad = await device(account);
    expect(await ipad.remove('products', 'never-seen')).toBe(false);
    expect(ipad.getState().unsent).toStrictEqual({});
    expect((await ipad.loginPush()).pushed).toBe(0);
    const web = await stack.as(account, 'web-admin');
    expect((await web.get('products', 'never-seen')).status).toBe(404);
    // A record it holds is deleted, and the deletion pushed; a second remove() has nothing left to delete.
    await ipad.save('products', { id: 'p1', ...product('Doomed') });
    expect(await ipad.remove('products', 'p1')).toBe(true);
    expect(await ipad.remove('products', 'p1')).toBe(false);
    expect((await ipad.loginPush()).results).toMatchObject([{ collection: 'products', id: 'p1', status: 'created' }]);
    expect((await web.get('products', 'p1')).status).toBe(410);
  });

  it('loginPush() results name their collection: the same id in two collections is two results', async () => {
    const ipad = await device(stack.newAccount());
    await ipad.save('customers', { id: 'x-1', name: 'Roastery Nord' });
    await ipad.save('products', { id: 'x-1', ...product('Grinder') });
    const { results } = await ipad.loginPush();
    expect(results.map((r) => [r.collection, r.id, r.status]).sort()).toStrictEqual([
      ['customers', 'x-1', 'created'],
      ['products', 'x-1', 'created'],
    ]);
  });

  it('restore() of an edit that is not discarded is a NoSuchDiscardedEditError; dismiss() of one is nothing', async () => {
    const ipad = offlineDevice();
    await expect(ipad.restore('products', 'p1')).rejects.toBeInstanceOf(NoSuchDiscardedEditError);
    await expect(ipad.restore('products', 'p1')).rejects.toMatchObject({ kind: 'no-such-discarded-edit' });
    await expect(ipad.dismiss('products', 'p1')).resolves.toBeUndefined();
  });
});

describe('per-record outcomes and discarded edits', () => {
  it('after a login push, an edit that lost is a discarded edit, not an unsent one: no login push sends it again, the next Sync Now brings its winner', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'p1', webProduct('Catalogue', 100));
    const pushes: number[] = [];
    const counting: typeof fetch = async (url, init) => {
      if (String(url).endsWith('/v1/sync/push'))
        pushes.push(JSON.parse(String(init?.body)).changes.products?.length ?? 0);
      return fetch(url, init);
    };
    const ipad = await device(account, 'ipad-1', { fetch: counting, compress: null });
    await ipad.syncNow();
    await ipad.save('products', { id: 'p1', ...product('Rep price', 90) });
    await later();
    await web.put('products', 'p1', webProduct('Web price', 120));

    expect((await ipad.loginPush()).results).toMatchObject([{ id: 'p1', status: 'stale' }]);
    expect(ipad.getState()).toMatchObject({ unsent: {}, discarded: 1 });
    expect((await ipad.get('products', 'p1'))?.name, 'a login push changes nothing shown').toBe('Rep price');
    expect((await ipad.loginPush()).pushed, 'not sent again').toBe(0);
    expect(pushes, 'one push: the second had nothing to send').toStrictEqual([1]);

    // The rep dismisses it before syncing: it stays dismissed when Sync Now brings the winner.
    await ipad.dismiss('products', 'p1');
    const summary = await ipad.syncNow();
    expect(summary.pushed, 'pushed again, only to have the winner delivered').toBe(1);
    expect((await ipad.get('products', 'p1'))?.name).toBe('Web price');
    expect(await ipad.discardedEdits()).toStrictEqual([]);
    expect(ipad.getState()).toMatchObject({ unsent: {}, discarded: 0 });
  });

  it('reports each pushed record, and keeps the rep version the web beat — with who beat it — to restore', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'p1', webProduct('Catalogue', 100));
    const ipad = await device(account);
    await ipad.syncNow();
    await ipad.save('products', { id: 'p1', ...product('Rep price', 90) });
    await later();
    await web.put('products', 'p1', webProduct('Web price', 120));

    const push = await ipad.loginPush();
    expect(push.outcomes).toMatchObject([
      { collection: 'products', id: 'p1', status: 'stale', local: { name: 'Rep price' } },
    ]);
    // The login push learned it lost, and when; who wrote the winner comes with it at Sync Now.
    expect(await ipad.discardedEdits()).toMatchObject([{ id: 'p1', reason: 'stale', winner: { updatedBy: null } }]);
    expect((await ipad.get('products', 'p1'))?.name, 'login push changes nothing').toBe('Rep price');

    const summary = await ipad.syncNow();
    expect(summary.outcomes.map((o) => o.status)).toStrictEqual(['stale']);
    expect((await ipad.get('products', 'p1'))?.name).toBe('Web price');
    const [lost] = await ipad.discardedEdits();
    expect(lost).toMatchObject({
      collection: 'products',
      id: 'p1',
      reason: 'stale',
      local: { name: 'Rep price', priceCents: 90 },
      winner: { updatedBy: { userId: 'web-admin', deviceId: null }, record: { name: 'Web price' } },
    });
    expect(ipad.getState().discarded).toBe(1);

    // Restore: the rep's version becomes a new edit over the winner, and wins.
    expect(await ipad.restore('products', 'p1')).toBe('p1');
    expect(await ipad.discardedEdits()).toStrictEqual([]);
    await ipad.syncNow();
    expect((await web.get('products', 'p1')).body.record).toMatchObject({ name: 'Rep price', priceCents: 90 });
  });

  it('keeps an edit the web deleted; restoring it makes a new record (deletion is terminal); or dismiss it', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'doomed', webProduct('Discontinued'));
    await web.put('products', 'other', webProduct('Other'));
    const ipad = await device(account);
    await ipad.syncNow();
    await ipad.save('products', { id: 'doomed', ...product('Rep edit') });
    await ipad.save('products', { id: 'other', ...product('Rep edit of other') });
    await later();
    await web.delete('products', 'doomed');
    await web.put('products', 'other', webProduct('Web wins other'));
    await ipad.syncNow();
    const lost = await ipad.discardedEdits();
    expect(lost.map((d) => [d.id, d.reason]).sort()).toStrictEqual([
      ['doomed', 'deleted'],
      ['other', 'stale'],
    ]);
    expect(await ipad.get('products', 'doomed')).toBeUndefined();

    const revived = await ipad.restore('products', 'doomed');
    expect(revived).not.toBe('doomed');
    await ipad.dismiss('products', 'other');
    expect(await ipad.discardedEdits()).toStrictEqual([]);
    await ipad.syncNow();
    expect((await web.get('products', revived)).body.record).toMatchObject({ name: 'Rep edit' });
    expect((await web.get('products', 'other')).body.record).toMatchObject({ name: 'Web wins other' });
  });

  it('reset() leaves nothing of the previous rep: rows, discarded edits, last sync', async () => {
    const account = stack.newAccount();
    const web = await stack.as(account, 'web-admin');
    await web.put('products', 'p1', webProduct('Catalogue'));
    const ipad = await device(account);
    await ipad.syncNow();
    await ipad.save('products', { id: 'p1', ...product('Rep price') });
    await later();
    await web.put('products', 'p1', webProduct('Web price'));
    await ipad.syncNow();
    expect(await ipad.discardedEdits()).toHaveLength(1);
    await ipad.reset();
    expect(await ipad.discardedEdits()).toStrictEqual([]);
    expect(await ipad.list('products')).toStrictEqual([]);
    expect(ipad.getState()).toMatchObject({ lastSyncAt: null, lastPushAt: null, discarded: 0, unsent: {} });
  });
});
