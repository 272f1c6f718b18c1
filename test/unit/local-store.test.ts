// The LocalStore contract (client/store-contract.ts, the suite an adapter
// author runs too), against every store the SDK ships: memory, SQLite
// (better-sqlite3) and IndexedDB (fake-indexeddb standing in for a browser's).
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { IndexedDbStore } from '../../client/indexeddb-store.ts';
import { MemoryStore } from '../../client/local-store.ts';
import { SqliteStore } from '../../client/sqlite-store.ts';
import { describeStoreContract } from '../../client/store-contract.ts';

let databases = 0;
const runner = { describe, it, expect };
describeStoreContract('MemoryStore', () => new MemoryStore(), runner);
describeStoreContract('SqliteStore', () => new SqliteStore(':memory:'), runner);
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
