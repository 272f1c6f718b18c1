// Verify and repair, as a property (fast-check, seeded and replayable): an
// account holding random records in every collection; a device — on one of
// the stores the SDK ships — synced with it, with pending edits of some
// records and records of its own not sent yet; then its store damaged at
// random, in any collection and id range: clean records dropped, records
// the backend never had added, records aged (an older copy) or given another
// updatedAt. Verify narrows with random parts and small-range sizes. Then:
//   1. verify reports every damaged id inside one of its differing ranges,
//      each narrowed down to at most the small-range size; nothing when
//      nothing was damaged;
//   2. repair fetches only those ranges, and leaves every clean record equal
//      to the backend's, every pending edit exactly as it was, and a verify
//      after it matching (lastVerifiedAt kept).
// Two bugs this was shown to catch (planted, then reverted): a repair that
// never drops the clean records the backend does not have, and a verify
// that stops narrowing one round early.
// FC_SEED=<n> FC_PATH=<p> replay a failure as fast-check prints it; FC_RUNS
// sets the number of runs (npm run test:soak).
import { fc, test } from '@fast-check/vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  IndexedDbStore,
  type LocalRow,
  type LocalStore,
  MemoryStore,
  SqlAsyncStore,
  type WireRecord,
} from '../../client/index.ts';
import { versionOf } from '../../client/local-store.ts';
import { SqliteStore } from '../../client/sqlite-store.ts';
import { seedItems, storedItem } from '../../dev/seed.ts';
import { type CollectionName, collectionNames } from '../../protocol/collections.ts';
import { expoShaped } from '../support/expo-shaped.ts';
import { type Stack, startStack } from '../support/local-stack.ts';
import { propertyParams } from '../support/property.ts';

const T = 1_800_000_000_000;
const STORES = ['memory', 'sqlite', 'indexeddb', 'expo-sqlite'] as const;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** A valid record of `collection`. */
function fields(collection: CollectionName, id: string): Record<string, unknown> {
  if (collection === 'products') return { name: `Product ${id}`, sku: `SKU-${id}`, priceCents: 1000, currency: 'EUR' };
  if (collection === 'customers') return { name: `Customer ${id}` };
  return {
    customerId: 'c-1',
    status: 'draft',
    currency: 'EUR',
    lines: [{ productId: 'p-1', quantity: 1, unitPriceCents: 100 }],
  };
}

const collection = fc.constantFrom(...collectionNames);
// Short ids from a small alphabet: collections share ids, and damage lands next to records and between them.
const id = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,3}$/);
const records = fc.uniqueArray(fc.record({ id, updatedAt: fc.integer({ min: T, max: T + 1e9 }) }), {
  selector: (r) => r.id,
  maxLength: 40,
});
type Damage =
  | { kind: 'drop' | 'age' | 'alter'; collection: CollectionName; pick: number; by: number }
  | { kind: 'add'; collection: CollectionName; id: string; updatedAt: number };
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('drop' as const, 'age' as const, 'alter' as const),
    collection,
    pick: fc.nat(),
    by: fc.integer({ min: 1, max: 1e9 }),
  }),
  fc.record({ kind: fc.constant('add' as const), collection, id, updatedAt: fc.integer({ min: T, max: T + 2e9 }) }),
);
const run = fc.record({
  backend: fc.record({ products: records, customers: records, orders: records }),
  store: fc.constantFrom(...STORES),
  parts: fc.integer({ min: 2, max: 16 }),
  smallRange: fc.integer({ min: 1, max: 8 }),
  edits: fc.array(fc.record({ collection, pick: fc.nat() }), { maxLength: 4 }),
  created: fc.array(collection, { maxLength: 3 }),
  damage: fc.array(damage, { maxLength: 6 }),
});

const openStore = async (kind: (typeof STORES)[number]): Promise<LocalStore> =>
  kind === 'memory'
    ? new MemoryStore()
    : kind === 'sqlite'
      ? new SqliteStore(':memory:')
      : kind === 'expo-sqlite'
        ? SqlAsyncStore.open(expoShaped())
        : IndexedDbStore.open('device', { indexedDB: new IDBFactory(), IDBKeyRange });

const inRange = (id: string, r: { from: string | null; to: string | null }) =>
  (r.from === null || id >= r.from) && (r.to === null || id < r.to);

test.prop([run], propertyParams(60))(
  'verify finds every damaged record in a small range; repair restores the backend and keeps every pending edit',
  async ({ backend, store: kind, parts, smallRange, edits, created, damage: damages }) => {
    const account = stack.newAccount();
    await seedItems(
      stack.client,
      collectionNames.flatMap((c) =>
        backend[c].map((r) => storedItem(account, c, { id: r.id, updatedAt: r.updatedAt, ...fields(c, r.id) }, T)),
      ),
    );
    const store = await openStore(kind);
    const ipad = await stack.device(account, 'ipad-1', { store, pageSize: 25, verify: { parts, smallRange } });
    const web = await stack.as(account, 'web-admin');
    await ipad.syncNow();

    // Pending edits of records it holds, and records of its own not sent yet.
    for (const edit of edits) {
      const held = await ipad.list(edit.collection);
      const record = held[edit.pick % Math.max(1, held.length)];
      if (record === undefined) continue;
      const { id: recordId, updatedAt: _u, updatedBy: _b, ...current } = record;
      const change = edit.collection === 'orders' ? { notes: 'edited on the iPad' } : { name: 'Edited on the iPad' };
      await ipad.save(edit.collection, { ...current, ...change, id: recordId });
    }
    for (const c of created) await ipad.save(c, fields(c, 'new'));
    const pendingBefore = (await store.list()).filter((r) => r.pending);

    // Damage, to clean rows only: a pending row is the rep's own edit.
    for (const d of damages) {
      const clean = (await store.list(d.collection)).filter((r) => !r.pending);
      if (d.kind === 'add') {
        if ((await store.get(d)) !== undefined || backend[d.collection].some((r) => r.id === d.id)) continue;
        const record = { id: d.id, updatedAt: d.updatedAt, ...fields(d.collection, d.id) };
        await store.apply({ put: [{ ...cleanRow(d.collection, record), base: d.updatedAt }] });
        continue;
      }
      const row = clean[d.pick % Math.max(1, clean.length)];
      if (row === undefined) continue;
      if (d.kind === 'drop') await store.apply({ remove: [row] });
      else {
        // An older copy of the record, or the same one under another updatedAt.
        const updatedAt = d.kind === 'age' ? row.record.updatedAt - d.by : row.record.updatedAt + d.by;
        const record =
          d.kind === 'age' ? { ...row.record, updatedAt, name: 'an older copy' } : { ...row.record, updatedAt };
        await store.apply({ put: [{ ...row, record, base: updatedAt }] });
      }
    }

    // Which ids now differ from the backend in the device's view.
    const damaged = new Map<string, string[]>();
    for (const c of collectionNames) {
      const mine = new Map<string, number | null>((await store.list(c)).map((r) => [r.id, versionOf(r)]));
      const theirs = new Map(backend[c].map((r) => [r.id, r.updatedAt]));
      const ids = new Set([...mine.keys(), ...theirs.keys()]);
      damaged.set(
        c,
        [...ids].filter((k) => (mine.get(k) ?? null) !== (theirs.get(k) ?? null)),
      );
    }
    const anyDamage = [...damaged.values()].some((ids) => ids.length > 0);

    const found = await ipad.verify();
    expect(found.matched, 'matched exactly when nothing was damaged').toBe(!anyDamage);
    for (const check of found.collections) {
      for (const k of damaged.get(check.collection)!) {
        expect(
          check.differing.some((r) => inRange(k, r)),
          `${check.collection}/${k} reported`,
        ).toBe(true);
      }
      for (const r of check.differing) {
        expect(r.backendCount, `${check.collection} [${r.from}, ${r.to}) narrowed down`).toBeLessThanOrEqual(
          smallRange,
        );
      }
    }

    const repair = await ipad.repair(found);
    const fetchable = found.collections.flatMap((c) => c.differing).reduce((n, r) => n + r.backendCount, 0);
    expect(repair.fetched, 'only the differing ranges are fetched').toBeLessThanOrEqual(fetchable);
    expect(repair.after.matched, 'a verify after the repair matches').toBe(true);
    expect(ipad.getState().lastVerifiedAt).toBe(repair.after.serverTime);

    const pendingAfter = (await store.list()).filter((r) => r.pending);
    expect(sortRows(pendingAfter), 'every pending edit, exactly as it was').toStrictEqual(sortRows(pendingBefore));
    for (const c of collectionNames) {
      const listed = await web.request<{ records: WireRecord[] }>('GET', `/v1/records/${c}?limit=1000`);
      const rows = await store.list(c);
      const pendingIds = new Set(rows.filter((r) => r.pending).map((r) => r.id));
      const clean = Object.fromEntries(rows.filter((r) => !r.pending).map((r) => [r.id, r.record]));
      const expected = Object.fromEntries(
        listed.body.records.filter((r) => !pendingIds.has(r.id)).map((r) => [r.id, r]),
      );
      expect(clean, `${c}: every clean record is the backend's`).toEqual(expected);
    }
  },
  10 * 60_000,
);

function cleanRow(collection: string, record: WireRecord): LocalRow {
  return { collection, id: record.id, record, pending: false, editSeq: 0, issues: null, mark: null, base: null };
}

function sortRows(rows: LocalRow[]): LocalRow[] {
  return [...rows].sort((a, b) => `${a.collection}/${a.id}`.localeCompare(`${b.collection}/${b.id}`));
}
