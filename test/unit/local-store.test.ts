// The LocalStore contract (client/store-contract.ts, the suite an adapter
// author runs too), against every store the SDK ships: memory, SQLite
// (better-sqlite3) and IndexedDB (fake-indexeddb standing in for a browser's).
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { IndexedDbStore } from '../../client/indexeddb-store.ts';
import { MemoryStore } from '../../client/local-store.ts';
import { SqlAsyncStore } from '../../client/sql-async-store.ts';
import { SqliteStore } from '../../client/sqlite-store.ts';
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
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.apply({ put: [row(`p${i}`)], meta: { last: `${i}` } })),
    );
    expect(await store.pending()).toHaveLength(20);
    expect(await store.meta('last')).toBe('19');
  });
});
