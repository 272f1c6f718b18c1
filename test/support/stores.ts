// Every local store the SDK ships, by name, fresh and empty: the properties
// run a device on any of them.
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { IndexedDbStore, type LocalStore, MemoryStore, SqlAsyncStore } from '../../client/index.ts';
import { SqliteStore } from '../../client/sqlite-store.ts';
import { expoShaped } from './expo-shaped.ts';

export const STORES = ['memory', 'sqlite', 'indexeddb', 'expo-sqlite'] as const;
export type StoreKind = (typeof STORES)[number];

export const openStore = async (kind: StoreKind): Promise<LocalStore> =>
  kind === 'memory'
    ? new MemoryStore()
    : kind === 'sqlite'
      ? new SqliteStore(':memory:')
      : kind === 'expo-sqlite'
        ? SqlAsyncStore.open(expoShaped())
        : IndexedDbStore.open('device', { indexedDB: new IDBFactory(), IDBKeyRange });
