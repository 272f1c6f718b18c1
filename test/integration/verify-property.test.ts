// Verify and repair, as a property (fast-check, seeded and replayable): an
// account holding random records in every collection; a device — on one of
// the stores the SDK ships, its clock possibly hours off — synced with it,
// with records of its own pushed and acknowledged (kept at the rep's own
// stamp, the backend's corrected one as their backend version), pending
// edits of some records and records of its own not sent yet; then its store
// damaged at random, in any collection and id range: clean records dropped,
// records the backend never had added, records aged (an older copy), given
// another backend version, or changed under the same one (which only
// digest v2 sees), a pending edit's backend version knocked off. Verify
// narrows with random parts and small-range sizes. Then:
//   1. verify reports every damaged id inside one of its differing ranges,
//      each narrowed down to at most the small-range size; nothing when
//      nothing was damaged;
//   2. repair fetches only those ranges and reports every damaged record
//      and nothing that did not differ; it leaves every clean record's
//      version and fields the backend's, every pending edit exactly as it
//      was — its base too — but for its backend version (now the backend's),
//      and a verify after it matching (lastVerifiedAt kept).
// Bugs this was shown to catch (planted, then reverted): a repair that
// never drops the clean records the backend does not have; a verify that
// stops narrowing one round early; a repair that reports (and rewrites) the
// device's own acknowledged pushes as differing; a repair that leaves a
// pending edit's wrong backend version alone.
// FC_SEED=<n> FC_PATH=<p> replay a failure as fast-check prints it; FC_RUNS
// sets the number of runs (npm run test:soak).
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, expect } from 'vitest';
import { viewOf } from '../../client/apply.ts';
import type { BackendVersion, LocalRow, WireRecord } from '../../client/index.ts';
import { seedItems, storedItem } from '../../dev/seed.ts';
import { contentHash } from '../../protocol/content-hash.ts';
import { type CollectionName, collectionNames, type RecordInput } from '../../protocol/records.ts';
import { cleanRow, sampleEdit, sampleRecord } from '../support/fixtures.ts';
import { type Stack, startStack } from '../support/local-stack.ts';
import { propertyParams } from '../support/property.ts';
import { openStore, STORES } from '../support/stores.ts';

const T = 1_800_000_000_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const fields = <C extends CollectionName>(collection: C, id: string) => sampleRecord[collection](id) as RecordInput<C>;

const collection = fc.constantFrom(...collectionNames);
// Short ids from a small alphabet: collections share ids, and damage lands next to records and between them.
const id = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,3}$/);
const records = fc.uniqueArray(fc.record({ id, updatedAt: fc.integer({ min: T, max: T + 1e9 }) }), {
  selector: (r) => r.id,
  maxLength: 40,
});
type Damage =
  | { kind: 'drop' | 'age' | 'alter' | 'content' | 'pending'; collection: CollectionName; pick: number; by: number }
  | { kind: 'add'; collection: CollectionName; id: string; updatedAt: number };
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('drop' as const, 'age' as const, 'alter' as const, 'content' as const, 'pending' as const),
    collection,
    pick: fc.nat(),
    by: fc.integer({ min: 1, max: 1e9 }),
  }),
  fc.record({ kind: fc.constant('add' as const), collection, id, updatedAt: fc.integer({ min: T, max: T + 2e9 }) }),
);
const run = fc.record({
  backend: fc.record(
    Object.fromEntries(collectionNames.map((c) => [c, records])) as Record<CollectionName, typeof records>,
  ),
  store: fc.constantFrom(...STORES),
  parts: fc.integer({ min: 2, max: 16 }),
  smallRange: fc.integer({ min: 1, max: 8 }),
  edits: fc.array(fc.record({ collection, pick: fc.nat() }), { maxLength: 4 }),
  created: fc.array(collection, { maxLength: 3 }),
  acknowledged: fc.array(collection, { maxLength: 4 }),
  skewHours: fc.constantFrom(0, -3, 2),
  damage: fc.array(damage, { maxLength: 6 }),
});

const inRange = (id: string, r: { from: string | null; to: string | null }) =>
  (r.from === null || id >= r.from) && (r.to === null || id < r.to);

test.prop([run], propertyParams(60))(
  'verify finds every damaged record in a small range; repair restores the backend and keeps every pending edit',
  async ({ backend, store: kind, parts, smallRange, edits, created, acknowledged, skewHours, damage: damages }) => {
    const account = stack.newAccount();
    await seedItems(
      stack.client,
      collectionNames.flatMap((c) =>
        backend[c].map((r) => storedItem(account, c, { id: r.id, updatedAt: r.updatedAt, ...fields(c, r.id) }, T)),
      ),
    );
    const store = await openStore(kind);
    const ipad = await stack.device(account, 'ipad-1', {
      store,
      pageSize: 25,
      verify: { parts, smallRange },
      now: () => Date.now() + skewHours * 3_600_000,
    });
    const web = await stack.as(account, 'web-admin');
    await ipad.syncNow();
    // Records of its own, pushed: the backend stamps them at the corrected time; the device keeps its own.
    for (const [i, c] of acknowledged.entries()) await ipad.save(c, { ...fields(c, `mine-${i}`), id: `mine-${i}` });
    if (acknowledged.length > 0) await ipad.loginPush();

    // Pending edits of records it holds, and records of its own not sent yet.
    for (const edit of edits) {
      const held = await ipad.list(edit.collection);
      const record = held[edit.pick % Math.max(1, held.length)];
      if (record === undefined) continue;
      const { id: recordId, updatedAt: _u, updatedBy: _b, ...current } = record;
      await ipad.save(edit.collection, {
        ...current,
        ...sampleEdit[edit.collection],
        id: recordId,
      } as RecordInput<CollectionName>);
    }
    for (const c of created) await ipad.save(c, fields(c, 'new'));
    const pendingBefore = (await store.list()).filter((r) => r.pending);

    // Damage, to clean rows — and to a pending row's backend version only: its edit is the rep's own.
    for (const d of damages) {
      if (d.kind === 'pending') {
        const known = (await store.list(d.collection)).filter((r) => r.pending && r.backend !== null);
        const row = known[d.pick % Math.max(1, known.length)];
        if (row !== undefined) {
          const backend = { ...row.backend!, updatedAt: row.backend!.updatedAt - d.by };
          await store.apply({ put: [{ ...row, backend }] });
        }
        continue;
      }
      const clean = (await store.list(d.collection)).filter((r) => !r.pending);
      if (d.kind === 'add') {
        if ((await store.get(d)) !== undefined || backend[d.collection].some((r) => r.id === d.id)) continue;
        const record = { id: d.id, updatedAt: d.updatedAt, ...fields(d.collection, d.id) };
        await store.apply({ put: [cleanRow(d.collection, record)] });
        continue;
      }
      const row = clean[d.pick % Math.max(1, clean.length)];
      if (row === undefined) continue;
      const at = row.backend!.updatedAt;
      if (d.kind === 'drop') await store.apply({ remove: [row] });
      else if (d.kind === 'content') {
        // Other content under the same version: a field changed by hand, which digest v1 could not see.
        await store.apply({ put: [{ ...row, record: { ...row.record, ...sampleEdit[d.collection] } }] });
      } else {
        // An older copy of the record, or the same one held at another version.
        const updatedAt = d.kind === 'age' ? at - d.by : at + d.by;
        const record = d.kind === 'age' ? { ...row.record, updatedAt, name: 'an older copy' } : row.record;
        await store.apply({ put: [{ ...row, record, backend: { ...row.backend!, updatedAt } }] });
      }
    }

    // Which ids now differ from the backend (as it is now: the seed and the device's acknowledged pushes).
    const backendNow = await listAll(web);
    const damaged = new Map<string, string[]>();
    for (const c of collectionNames) {
      const mine = new Map((await store.list(c)).map((r) => [r.id, viewOf(r)]));
      const theirs = new Map([...backendNow[c].values()].map((r) => [r.id, versionOf(r)]));
      const ids = new Set([...mine.keys(), ...theirs.keys()]);
      damaged.set(
        c,
        [...ids].filter((k) => !same(mine.get(k) ?? null, theirs.get(k) ?? null)),
      );
    }
    const anyDamage = [...damaged.values()].some((ids) => ids.length > 0);
    // What a repair may report: clean rows the backend holds in another version or with other content, or not
    // at all, and backend records the device lacks (a pending row's backend version is noted, not reported).
    const mayReport = new Set<string>();
    for (const c of collectionNames) {
      const rows = new Map((await store.list(c)).map((r) => [r.id, r]));
      for (const [k, theirs] of backendNow[c]) {
        const row = rows.get(k);
        if (row === undefined || (!row.pending && !same(viewOf(row), versionOf(theirs)))) mayReport.add(`${c}/${k}`);
      }
      for (const [k, row] of rows) if (!row.pending && !backendNow[c].has(k)) mayReport.add(`${c}/${k}`);
    }

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
    const reported = new Set(repair.records.map((r) => `${r.collection}/${r.id}`));
    for (const c of collectionNames)
      for (const k of damaged.get(c)!) {
        const row = await store.get({ collection: c, id: k });
        if (!row?.pending) expect(reported.has(`${c}/${k}`), `${c}/${k} repaired and reported`).toBe(true);
      }
    for (const k of reported) expect(mayReport.has(k), `${k} reported, and it did differ`).toBe(true);
    expect(ipad.getState().lastVerifiedAt).toBe(repair.after.serverTime);

    const pendingAfter = (await store.list()).filter((r) => r.pending);
    const withoutBackend = (rows: LocalRow[]) => sortRows(rows).map(({ backend: _b, ...row }) => row);
    expect(withoutBackend(pendingAfter), 'every pending edit, exactly as it was, its base too').toStrictEqual(
      withoutBackend(pendingBefore),
    );
    for (const row of pendingAfter) {
      const theirs = backendNow[row.collection as CollectionName].get(row.id);
      expect(row.backend, `${row.collection}/${row.id}: the backend version under the edit`).toStrictEqual(
        theirs === undefined ? null : versionOf(theirs),
      );
    }
    for (const c of collectionNames) {
      const rows = await store.list(c);
      const pendingIds = new Set(rows.filter((r) => r.pending).map((r) => r.id));
      const theirs = [...backendNow[c].values()].filter((r) => !pendingIds.has(r.id));
      // The device's view: each clean row at its backend version, with the backend's fields.
      expect(
        Object.fromEntries(
          rows
            .filter((r) => !r.pending)
            .map((r) => [r.id, { ...withoutStamps(r.record), updatedAt: r.backend?.updatedAt }]),
        ),
        `${c}: every clean record is the backend's`,
      ).toEqual(Object.fromEntries(theirs.map((r) => [r.id, { ...withoutStamps(r), updatedAt: r.updatedAt }])));
    }
  },
  10 * 60_000,
);

/** Every live record the backend holds, per collection and id. */
async function listAll(
  web: Awaited<ReturnType<Stack['as']>>,
): Promise<Record<CollectionName, Map<string, WireRecord>>> {
  const out = {} as Record<CollectionName, Map<string, WireRecord>>;
  for (const c of collectionNames) {
    const listed = await web.request<{ records: WireRecord[] }>('GET', `/v1/records/${c}?limit=1000`);
    out[c] = new Map(listed.body.records.map((r) => [r.id, r]));
  }
  return out;
}

/** A record's fields, without when and by whom it was written. */
function withoutStamps(record: WireRecord): Record<string, unknown> {
  const { updatedAt: _u, updatedBy: _b, ...rest } = record;
  return rest;
}

/** The version the backend holds a record at: when, and what (its content hash). */
function versionOf(record: WireRecord): BackendVersion {
  return { updatedAt: record.updatedAt, contentHash: contentHash(record) };
}

function same(a: BackendVersion | null, b: BackendVersion | null): boolean {
  return a?.updatedAt === b?.updatedAt && a?.contentHash === b?.contentHash;
}

function sortRows(rows: LocalRow[]): LocalRow[] {
  return [...rows].sort((a, b) => `${a.collection}/${a.id}`.localeCompare(`${b.collection}/${b.id}`));
}
