// The LocalStore contract (client/store-contract.ts, the suite an adapter
// author runs too), against every store the SDK ships: memory, SQLite
// (better-sqlite3) and IndexedDB (fake-indexeddb standing in for a browser's).
import Database from 'better-sqlite3';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { IndexedDbStore } from '../../client/indexeddb-store.ts';
import { type LocalRow, MemoryStore, versionOf } from '../../client/local-store.ts';
import { SqlAsyncStore } from '../../client/sql-async-store.ts';
import { asyncConnection, SqliteStore } from '../../client/sqlite-store.ts';
import { describeStoreContract } from '../../client/store-contract.ts';
import { expoShaped } from '../support/expo-shaped.ts';

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
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.apply({ put: [row(`p${i}`)], meta: { last: `${i}` } })),
    );
    expect(await store.pending()).toHaveLength(20);
    expect(await store.meta('last')).toBe('19');
  });
});

describe('a store written before rows had base', () => {
  const old = { collection: 'products', record: { id: 'p1', updatedAt: 5 }, issues: null, mark: null };

  it('IndexedDB: an old row reads base null', async () => {
    const api = { indexedDB: new IDBFactory(), IDBKeyRange };
    const first = await IndexedDbStore.open('device', api);
    first.close();
    // What an older SDK wrote: the row as it was, without base.
    await new Promise<void>((resolve, reject) => {
      const request = api.indexedDB.open('device', 1);
      request.onsuccess = () => {
        const tx = request.result.transaction('rows', 'readwrite');
        tx.objectStore('rows').put({ ...old, id: 'p1', pending: 0, editSeq: 0 });
        tx.oncomplete = () => {
          request.result.close();
          resolve();
        };
        tx.onerror = () => reject(tx.error);
      };
    });
    const again = await IndexedDbStore.open('device', api);
    expect(await again.get({ collection: 'products', id: 'p1' })).toStrictEqual({
      ...old,
      id: 'p1',
      pending: false,
      editSeq: 0,
      base: null,
    });
  });

  it('SQLite: the table gains the column, old rows read base null, and new writes keep it', async () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE rows (
      collection TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL,
      pending INTEGER NOT NULL, edit_seq INTEGER NOT NULL, issues TEXT, mark TEXT,
      PRIMARY KEY (collection, id))`);
    db.prepare("INSERT INTO rows VALUES ('products', 'p1', ?, 0, 0, NULL, NULL)").run(JSON.stringify(old.record));
    db.prepare("INSERT INTO rows VALUES ('products', 'p2', ?, 1, 3, NULL, NULL)").run(
      JSON.stringify({ id: 'p2', updatedAt: 9 }),
    );
    const store = await SqlAsyncStore.open(asyncConnection(db));
    const [p1, p2] = await store.list('products');
    expect(p1).toStrictEqual({ ...old, id: 'p1', pending: false, editSeq: 0, base: null });
    expect(p2?.base).toBeNull();
    await store.apply({ put: [{ ...p2!, base: 4 }] });
    expect((await store.get({ collection: 'products', id: 'p2' }))?.base).toBe(4);
    // Opening it again leaves the upgraded table as it is.
    expect(
      (await (await SqlAsyncStore.open(asyncConnection(db))).get({ collection: 'products', id: 'p2' }))?.base,
    ).toBe(4);
  });

  it("counts an old clean row at its own updatedAt and leaves an old pending row out of the device's view", () => {
    const row = (over: Partial<LocalRow>): LocalRow => ({
      ...old,
      id: 'p1',
      pending: false,
      editSeq: 0,
      base: null,
      ...over,
    });
    expect(versionOf(row({}))).toBe(5);
    expect(versionOf(row({ base: 7 })), 'the backend answered a skewed push with 7').toBe(7);
    expect(versionOf(row({ pending: true, editSeq: 1 }))).toBeNull();
    expect(versionOf(row({ pending: true, editSeq: 1, base: 3 }))).toBe(3);
  });
});
