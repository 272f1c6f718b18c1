// The Sync Now change feed against a real DynamoDB Local: no change missed
// (out-of-order commits, offline edits), pagination, resets, tenant
// isolation, concurrency, and what each sync costs in DynamoDB requests.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../client/index.ts';
import { seedItems, storedItem } from '../../dev/seed.ts';
import { encodeCursor } from '../../functions/core/cursor.ts';
import { collectionNames } from '../../protocol/records.ts';
import { ids, product, type Stack, startStack, webProduct } from '../support/local-stack.ts';

const DAY = 86_400_000;
const LOOKBACK = 120_000;

/** The server clock, movable forward by tests (writes stamp changedAt with it too). */
let clockOffset = 0;
const now = () => Date.now() + clockOffset;

/** Holds the PutItem of one record id until released: a slow Lambda mid-write. */
const gate = {
  id: '',
  reached: () => {},
  release: Promise.resolve(),
};
function holdWritesOf(id: string) {
  let open = () => {};
  const reached = new Promise<void>((r) => (gate.reached = r));
  gate.id = id;
  gate.release = new Promise<void>((r) => (open = r));
  return {
    reached,
    open: () => {
      gate.id = '';
      open();
    },
  };
}
function installGate(client: DynamoDBDocumentClient) {
  client.middlewareStack.add(
    (next) => async (args) => {
      if (gate.id && JSON.stringify((args as { input?: unknown }).input ?? {}).includes(`"${gate.id}"`)) {
        gate.reached();
        await gate.release;
      }
      return next(args);
    },
    { step: 'build', name: 'slowWriter' },
  );
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ now, instrument: installGate, config: { lookbackMs: LOOKBACK } });
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * A writer's PutItem is held after its changedAt was stamped, while another
 * device finishes a Sync Now; then the write lands. Returns what the other
 * device's next Sync Now delivers, and what the held-out sync saw.
 */
async function slowWriterScenario(id: string, lookbackMs: number) {
  const saved = stack.services.config.lookbackMs;
  stack.services.config.lookbackMs = lookbackMs;
  try {
    const account = stack.newAccount();
    const writer = await stack.as(account, 'writer');
    const device = await stack.as(account, 'reader');
    const { cursor: before } = await device.syncAll('android-2', null);

    const slow = holdWritesOf(id);
    const pushing = writer.push('ipad-1', { products: [product(id, now())] });
    await slow.reached; // changedAt is stamped; the PutItem has not reached DynamoDB
    await new Promise((r) => setTimeout(r, 20));
    const during = await device.syncAll('android-2', before);
    slow.open();
    const pushed = await pushing;
    const next = await device.syncAll('android-2', during.cursor);
    return {
      status: pushed.body.results.products?.[0]?.status,
      seenDuring: ids(during.pages.flatMap((p) => p.changes.products ?? [])),
      deliveredAfter: ids(next.pages.flatMap((p) => p.changes.products ?? [])),
    };
  } finally {
    stack.services.config.lookbackMs = saved;
  }
}

describe('no change is ever missed', () => {
  it('delivers a write that committed after a cursor was handed out, although stamped before it', async () => {
    expect(await slowWriterScenario('slow-1', LOOKBACK)).toStrictEqual({
      status: 'created',
      seenDuring: [],
      deliveredAfter: ['slow-1'],
    });
  });

  it('would miss it with no lookback window (the control: this test can fail)', async () => {
    expect(await slowWriterScenario('slow-2', 1)).toStrictEqual({
      status: 'created',
      seenDuring: [],
      deliveredAfter: [],
    });
  });

  it('delivers an edit made offline a week ago and pushed today to another device', async () => {
    const account = stack.newAccount();
    const ipad = await stack.as(account, 'alice');
    const android = await stack.as(account, 'bob');
    clockOffset -= 8 * DAY;
    await ipad.put('customers', 'c1', { name: 'Entered on the web 8 days ago' });
    clockOffset += 8 * DAY;
    const { cursor } = await android.syncAll('android-2', null);
    clockOffset += 10 * 60_000; // later: the android's cursor is well past its lookback window

    const aWeekAgo = now() - 7 * DAY;
    const push = await ipad.push(
      'ipad-1',
      {
        customers: [
          { id: 'c1', updatedAt: aWeekAgo, name: 'Edited at the roadshow' },
          { id: 'c-lead', updatedAt: aWeekAgo, name: 'Lead met at the roadshow' },
        ],
      },
      now(),
    );
    expect(push.body.results.customers?.map((r) => r.status)).toStrictEqual(['updated', 'created']);

    const sync = await android.syncAll('android-2', cursor);
    const delivered = sync.pages.flatMap((p) => p.changes.customers ?? []);
    expect(delivered.map((r) => [r.id, r.name]).sort()).toStrictEqual([
      ['c-lead', 'Lead met at the roadshow'],
      ['c1', 'Edited at the roadshow'],
    ]);
  });
});

describe('pagination', () => {
  it('pages a 1,500-record snapshot and then a 1,200-record feed without losing one', async () => {
    const account = stack.newAccount();
    const api = await stack.as(account);
    const products = Array.from({ length: 1000 }, (_, i) => product(`p${String(i).padStart(4, '0')}`, now() - 1000));
    const more = Array.from({ length: 200 }, (_, i) => product(`p${1000 + i}`, now() - 1000));
    const customers = Array.from({ length: 300 }, (_, i) => ({
      id: `c${i}`,
      updatedAt: now() - 1000,
      name: `Customer ${i}`,
    }));
    // The snapshot's records written straight to the table (the feed's below, and the next test's 1,000, go through the API).
    const written = now() - 1000;
    await seedItems(stack.client, [
      ...[...products, ...more].map((p) => storedItem(account, 'products', p, written)),
      ...customers.map((c) => storedItem(account, 'customers', c, written)),
    ]);

    const snapshot = await api.syncAll('android-2', null, { limit: 500 });
    expect(snapshot.pages.map((p) => p.hasMore)).toStrictEqual([true, true, true, false]);
    for (const page of snapshot.pages) {
      const size = Object.values(page.changes).reduce((n, list) => n + list.length, 0);
      expect(size, `page of ${size}`).toBeLessThanOrEqual(500);
    }
    const snapshotIds = snapshot.pages.flatMap((p) =>
      [...(p.changes.products ?? []), ...(p.changes.customers ?? [])].map((r) => r.id),
    );
    expect(snapshotIds.length).toBe(1500);
    expect(new Set(snapshotIds).size).toBe(1500);

    clockOffset += 10 * 60_000;
    const edits = Array.from({ length: 1000 }, (_, i) =>
      product(`p${String(i).padStart(4, '0')}`, now(), { priceCents: 2000 }),
    );
    const moreEdits = more.map((p) => ({ ...p, updatedAt: now(), priceCents: 2000 }));
    await api.push('ipad-1', { products: edits });
    await api.push('ipad-1', { products: moreEdits });
    const feed = await api.syncAll('android-2', snapshot.cursor, { limit: 450 });
    const fed = feed.pages.flatMap((p) => p.changes.products ?? []);
    expect(new Set(fed.map((r) => r.id)).size).toBe(1200);
    expect(fed.filter((r) => r.priceCents !== 2000)).toStrictEqual([]);
    expect(feed.pages.length).toBeGreaterThanOrEqual(3);
  });
});

describe('tombstone retention', () => {
  it('resets a cursor older than retention to a snapshot of live records', async () => {
    const account = stack.newAccount();
    const api = await stack.as(account);
    await api.put('products', 'keep', webProduct('keep'));
    await api.put('products', 'drop', webProduct('drop'));
    const { cursor } = await api.syncAll('ipad-1', null);
    await api.delete('products', 'drop');
    clockOffset += 91 * DAY;
    const sync = await api.syncAll('ipad-1', cursor);
    expect(sync.pages.every((p) => p.reset)).toBe(true);
    expect(ids(sync.pages.flatMap((p) => p.changes.products ?? []))).toStrictEqual(['keep']);
    const after = await api.syncNow('ipad-1', sync.cursor);
    expect(after.body.reset).toBe(false);
  });
});

describe('cursors issued before collections were named (they numbered them)', () => {
  /** A cursor as the service signed them then: `col` and `owed` index products, customers, orders. */
  const numbered = (account: string, position: Record<string, unknown>) =>
    encodeCursor(stack.services.cursorKey(), account, 'sync', position);

  it('are read as the collections they meant: a snapshot past products goes on with customers, and pays what it owes', async () => {
    const account = stack.newAccount();
    const api = await stack.as(account);
    await api.put('products', 'p1', webProduct('Espresso'));
    await api.put('products', 'p2', webProduct('Grinder'));
    await api.put('customers', 'c1', { name: 'Roastery Nord' });
    // Mid-snapshot, products read to their end, and p2 (a winner of an earlier page) still owed.
    const cursor = numbered(account, { since: null, start: now(), col: 1, owed: [[0, 'p2']] });
    const { pages } = await api.syncAll('ipad-1', cursor);
    const received = pages.flatMap((p) =>
      collectionNames.flatMap((c) => p.changes[c]?.map((r) => `${c}/${r.id}`) ?? []),
    );
    expect(received.sort()).toStrictEqual(['customers/c1', 'products/p2']);
    expect(pages.at(-1)?.hasMore).toBe(false);
  });

  it('one that names a collection it never had is BAD_CURSOR, and the SDK then starts over with a snapshot', async () => {
    const account = stack.newAccount();
    const api = await stack.as(account);
    await api.put('products', 'p1', webProduct('Espresso'));
    const bad = numbered(account, { since: null, start: now(), col: 5 });
    expect((await api.syncNow('ipad-1', bad)).body).toMatchObject({ error: { code: 'BAD_CURSOR' } });

    const store = new MemoryStore();
    await store.apply({ meta: { cursor: bad } });
    const sent: unknown[] = [];
    const ipad = await stack.device(account, 'ipad-1', {
      store,
      fetch: (url, init) => {
        if (url.endsWith('/v1/sync/now')) sent.push(JSON.parse(String(init.body)).cursor);
        return fetch(url, init);
      },
      compress: null,
    });
    await ipad.syncNow();
    expect(sent).toStrictEqual([bad, null]); // refused, then a snapshot from no cursor
    expect((await ipad.list('products')).map((r) => r.id)).toStrictEqual(['p1']);
    expect(await store.meta('cursor')).not.toBe(bad);
  });
});

describe('tenant isolation', () => {
  it('keeps accounts apart: data, records API, cursors and ids', async () => {
    const acme = await stack.as(stack.newAccount());
    const globex = await stack.as(stack.newAccount());
    await acme.put('products', 'shared-id', webProduct('Acme widget'));
    const acmeSync = await acme.syncAll('ipad-1', null);

    const globexSync = await globex.syncAll('ipad-9', null);
    expect(globexSync.pages.flatMap((p) => p.changes.products ?? [])).toStrictEqual([]);
    expect((await globex.get('products', 'shared-id')).status).toBe(404);
    const stolen = await globex.syncNow('ipad-9', acmeSync.cursor);
    expect(stolen.status).toBe(400);
    expect((stolen.body as unknown as { error: { code: string } }).error.code).toBe('BAD_CURSOR');

    const push = await globex.push('ipad-9', { products: [product('shared-id', now())] });
    expect(push.body.results.products?.[0]?.status).toBe('created');
    expect((await acme.get('products', 'shared-id')).body.record.name).toBe('Acme widget');
  });
});

describe('concurrency', () => {
  it('ends with the latest of 24 concurrent device writers on one record', async () => {
    const api = await stack.as(stack.newAccount());
    const base = now() - 600_000;
    // Versions 10 s apart, far more than request latency can blur; sent in shuffled order.
    const writers = Array.from({ length: 24 }, (_, i) => i).sort(() => Math.random() - 0.5);
    const responses = await Promise.all(
      writers.map((i) =>
        api.push(`device-${i}`, { products: [product('hot', base + i * 10_000, { name: `v${i}` })] }, now()),
      ),
    );
    expect(responses.map((r) => r.status)).toStrictEqual(writers.map(() => 200));
    expect((await api.get('products', 'hot')).body.record.name).toBe('v23');
    const statuses = responses.map((r) => r.body.results.products?.[0]?.status);
    expect(statuses.filter((s) => s === 'created').length).toBe(1);
    expect(
      statuses.every((s) => s === 'created' || s === 'updated' || s === 'stale'),
      statuses.join(),
    ).toBe(true);
  });

  it('lets web writes racing device writes win, each stamped past the last', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'hot', webProduct('start'));
    const webs = Array.from({ length: 10 }, (_, i) => api.put('products', 'hot', webProduct(`web-${i}`)));
    // Device edits made a minute ago (by a device clock that agrees with the server's).
    const devices = Array.from({ length: 12 }, (_, i) =>
      api.push(`device-${i}`, { products: [product('hot', now() - 60_000 + i)] }, now()),
    );
    const webResults = await Promise.all(webs);
    await Promise.all(devices);
    expect(webResults.map((r) => r.status)).toStrictEqual(webResults.map(() => 200));
    const final = (await api.get('products', 'hot')).body.record;
    const newestWeb = webResults.reduce((a, b) => (a.body.record.updatedAt > b.body.record.updatedAt ? a : b));
    expect(final.name).toBe(newestWeb.body.record.name);
    expect(new Set(webResults.map((r) => r.body.record.updatedAt)).size, 'every web write got its own stamp').toBe(10);
  });
});

describe('cost in DynamoDB requests', () => {
  it('a login push of 1,000 records sends 1,000 writes and 0 reads (+1 device-state write)', async () => {
    const api = await stack.as(stack.newAccount());
    const records = Array.from({ length: 1000 }, (_, i) => product(`p${i}`, now()));
    // 32 writes in flight, each listening to the request's deadline: no listener-leak warning in the logs.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    stack.requests.reset();
    const push = await api.push('ipad-1', { products: records }).finally(() => process.off('warning', onWarning));
    expect(push.status).toBe(200);
    expect(stack.requests.snapshot()).toStrictEqual({ PutItem: 1000, UpdateItem: 1 });
    expect(warnings).toStrictEqual([]);

    // The same push again: every record loses its condition, still no read.
    stack.requests.reset();
    const retry = await api.push('ipad-1', { products: records });
    expect(retry.body.results.products?.every((r) => r.status === 'unchanged')).toBe(true);
    expect(stack.requests.snapshot()).toStrictEqual({ PutItem: 1000, UpdateItem: 1 });
  });

  it('a Sync Now with nothing to pull costs one query per collection plus the lastSync writes', async () => {
    const api = await stack.as(stack.newAccount());
    await api.push('ipad-1', { products: Array.from({ length: 300 }, (_, i) => product(`p${i}`, now())) });
    clockOffset += LOOKBACK + 1000; // the pushes fall behind the lookback window of the next pass
    const { cursor } = await api.syncAll('ipad-1', null);
    stack.requests.reset();
    const sync = await api.syncNow('ipad-1', cursor);
    expect(sync.body.hasMore).toBe(false);
    expect(Object.values(sync.body.changes).flat()).toStrictEqual([]);
    // One query per collection, and the account's and the device's lastSync.
    expect(stack.requests.snapshot()).toStrictEqual({ Query: collectionNames.length, UpdateItem: 2 });
  });

  it('the status page costs no more than the changes it counts, and never scans', async () => {
    const api = await stack.as(stack.newAccount());
    await api.push('ipad-1', { products: Array.from({ length: 500 }, (_, i) => product(`p${i}`, now())) });
    await api.syncAll('ipad-1', null);
    await api.put('products', 'p1', webProduct('changed'));
    stack.requests.reset();
    const status = await api.status('ipad-1');
    expect(status.body.collections.products?.pendingChanges).toBe(1);
    const counts = stack.requests.snapshot();
    expect(counts.Scan).toBeUndefined();
    // The account and the device; per collection, its latest change and a count of what others changed.
    expect(counts).toStrictEqual({ GetItem: 2, Query: 2 * collectionNames.length });
  });
});
