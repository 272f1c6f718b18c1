// The LocalStore contract (client/store-contract.ts, the suite an adapter
// author runs too), against every store the SDK ships: memory, SQLite
// (better-sqlite3) and IndexedDB (fake-indexeddb standing in for a browser's);
// and what each persistent store makes of a database an older SDK wrote.
import Database from 'better-sqlite3';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { viewOf } from '../../client/apply.ts';
import { StoreUnavailableError } from '../../client/errors.ts';
import { IndexedDbStore } from '../../client/indexeddb-store.ts';
import { type LocalRow, MemoryStore } from '../../client/local-store.ts';
import { SqlAsyncStore } from '../../client/sql-async-store.ts';
import { asyncConnection, SqliteStore } from '../../client/sqlite-store.ts';
import { describeStoreContract } from '../../client/store-contract.ts';
import { contentHash } from '../../protocol/content-hash.ts';
import { expoShaped } from '../support/expo-shaped.ts';
import { cleanRow } from '../support/fixtures.ts';

let databases = 0;

const runner = { describe, it, expect };
describeStoreContract('MemoryStore', () => new MemoryStore(), runner);
describeStoreContract('SqliteStore', () => new SqliteStore(':memory:'), runner);
describeStoreContract(
  'SqlAsyncStore (an expo-sqlite-shaped connection)',
  () => SqlAsyncStore.open(expoShaped()),
  runner,
);
describeStoreContract(
  'IndexedDbStore',
  () => IndexedDbStore.open(`contract-${++databases}`, { indexedDB: new IDBFactory(), IDBKeyRange }),
  runner,
);

describe('IndexedDbStore', () => {
  it('keeps its rows across a reopen of the same database', async () => {
    const api = { indexedDB: new IDBFactory(), IDBKeyRange };
    const first = await IndexedDbStore.open('device', api);
    await first.apply({
      meta: { cursor: 'c1' },
      put: [
        {
          collection: 'products',
          id: 'p1',
          record: { id: 'p1', updatedAt: 1 },
          pending: true,
          editSeq: 1,
          issues: null,
          mark: null,
          base: null,
          backend: null,
          lost: false,
        },
      ],
    });
    first.close();
    const again = await IndexedDbStore.open('device', api);
    expect(await again.meta('cursor')).toBe('c1');
    expect((await again.pending()).map((r) => r.id)).toStrictEqual(['p1']);
  });
});

describe('SqlAsyncStore', () => {
  it('runs batches one at a time on its connection, however the app awaits them', async () => {
    const store = await SqlAsyncStore.open(expoShaped());
    const row = (id: string) => ({
      collection: 'products',
      id,
      record: { id, updatedAt: 1 },
      pending: true,
      editSeq: 1,
      issues: null,
      mark: null,
      base: null,
      backend: null,
      lost: false,
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.apply({ put: [row(`p${i}`)], meta: { last: `${i}` } })),
    );
    expect(await store.pending()).toHaveLength(20);
    expect(await store.meta('last')).toBe('19');
  });
});

describe('IndexedDbStore without IndexedDB', () => {
  it('fails to open with a StoreUnavailableError that says what to pass', async () => {
    const open = IndexedDbStore.open('device');
    await expect(open).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(open).rejects.toMatchObject({ kind: 'store-unavailable', message: /second argument/ });
  });
});

/** A product as SDK 0.1 and 0.2 stored it. */
const product = (id: string, updatedAt: number, name = id) => ({
  id,
  updatedAt,
  name,
  sku: `SKU-${id}`,
  priceCents: 100,
  currency: 'EUR',
});

/**
 * What an older SDK's rows read as: a clean one at its old base (the backend
 * version it last knew) or, before 0.2, its own updatedAt, with the content
 * hash of its record; a pending one with no edit base (decided by clock, as
 * 0.2 did) and no backend version (verify sees its range differ until a
 * repair or the push's acknowledgement learns it).
 */
const upgraded = (record: ReturnType<typeof product>, over: Partial<LocalRow>): LocalRow =>
  cleanRow('products', record, over);

describe('a store an older SDK wrote', () => {
  const clean01 = product('p1', 5);
  const clean02 = product('p2', 6, 'acknowledged at a skew-corrected 9');
  const pending02 = product('p3', 20, 'a pending edit');
  const expected = [
    upgraded(clean01, {}),
    upgraded(clean02, { backend: { updatedAt: 9, contentHash: contentHash(clean02) } }),
    upgraded(pending02, { pending: true, editSeq: 3, backend: null }),
  ];

  it("IndexedDB (0.1 and 0.2 rows): reads them as today's, and a row written again is today's", async () => {
    const api = { indexedDB: new IDBFactory(), IDBKeyRange };
    (await IndexedDbStore.open('device', api)).close();
    // What the older SDKs wrote: 0.1 without base, 0.2 with base meaning "the backend version last known".
    await new Promise<void>((resolve, reject) => {
      const request = api.indexedDB.open('device', 1);
      request.onsuccess = () => {
        const tx = request.result.transaction('rows', 'readwrite');
        const rows = tx.objectStore('rows');
        const old = { collection: 'products', issues: null, mark: null };
        rows.put({ ...old, id: 'p1', record: clean01, pending: 0, editSeq: 0 });
        rows.put({ ...old, id: 'p2', record: clean02, pending: 0, editSeq: 0, base: 9 });
        rows.put({ ...old, id: 'p3', record: pending02, pending: 1, editSeq: 3, base: 17 });
        tx.oncomplete = () => {
          request.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
    });
    const store = await IndexedDbStore.open('device', api);
    expect(await store.list('products')).toStrictEqual(expected);
    expect((await store.pending()).map((r) => r.id)).toStrictEqual(['p3']);
    const edited = { ...expected[2]!, base: 17, backend: { updatedAt: 17, contentHash: 'h' } };
    await store.apply({ put: [edited] });
    expect(await store.get(edited)).toStrictEqual(edited);
  });

  it("SQLite (0.1 and 0.2 tables): gains the columns, reads old rows as today's, and keeps what is written next", async () => {
    for (const version of ['0.1', '0.2'] as const) {
      const db = new Database(':memory:');
      db.exec(`CREATE TABLE rows (
        collection TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL,
        pending INTEGER NOT NULL, edit_seq INTEGER NOT NULL, issues TEXT, mark TEXT${version === '0.2' ? ', base INTEGER' : ''},
        PRIMARY KEY (collection, id))`);
      const insert = (record: ReturnType<typeof product>, pending: number, seq: number, base: number | null) =>
        db
          .prepare(`INSERT INTO rows VALUES ('products', ?, ?, ?, ?, NULL, NULL${version === '0.2' ? ', ?' : ''})`)
          .run(record.id, JSON.stringify(record), pending, seq, ...(version === '0.2' ? [base] : []));
      insert(clean01, 0, 0, null);
      insert(clean02, 0, 0, 9);
      insert(pending02, 1, 3, 17);
      const store = await SqlAsyncStore.open(asyncConnection(db));
      const read = await store.list('products');
      expect(read[0], version).toStrictEqual(expected[0]);
      expect(read[1], version).toStrictEqual(version === '0.2' ? expected[1] : upgraded(clean02, {}));
      expect(read[2], version).toStrictEqual(expected[2]);
      const edited = { ...read[2]!, base: 17, backend: { updatedAt: 17, contentHash: 'h' }, lost: true };
      await store.apply({ put: [edited] });
      // Opening it again leaves the upgraded table as it is.
      const again = await SqlAsyncStore.open(asyncConnection(db));
      expect(await again.get(edited), version).toStrictEqual(edited);
    }
  });
});

describe("the device's view of the backend (what verify compares)", () => {
  const record = product('p1', 5);
  const row = (over: Partial<LocalRow>) => upgraded(record, over);

  it('holds a clean row at its backend version, with the content it holds (a copy changed by hand shows)', () => {
    expect(viewOf(row({}))).toStrictEqual({ updatedAt: 5, contentHash: contentHash(record) });
    const altered = { ...record, name: 'changed by hand' };
    expect(viewOf(row({ record: altered }))).toStrictEqual({ updatedAt: 5, contentHash: contentHash(altered) });
  });

  it('holds a pending row at the backend version under its edit, or leaves it out', () => {
    const under = { updatedAt: 3, contentHash: 'h' };
    expect(viewOf(row({ pending: true, editSeq: 1, backend: under }))).toStrictEqual(under);
    expect(viewOf(row({ pending: true, editSeq: 1, backend: null }))).toBeNull();
  });
});
