// An expo-sqlite-shaped connection over better-sqlite3 in memory, every call
// truly asynchronous (a turn of the event loop first): how the tests run the
// React Native store (client/sql-async-store.ts) without a phone.
import Database from 'better-sqlite3';
import type { SqlAsyncDatabase } from '../../client/sql-async-store.ts';
import { asyncConnection } from '../../client/sqlite-store.ts';

export function expoShaped(): SqlAsyncDatabase {
  const db = asyncConnection(new Database(':memory:'));
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    execAsync: async (sql) => {
      await turn();
      return db.execAsync(sql);
    },
    runAsync: async (sql, ...params) => {
      await turn();
      return db.runAsync(sql, ...params);
    },
    getAllAsync: async <T>(sql: string, ...params: (string | number | null)[]) => {
      await turn();
      return db.getAllAsync<T>(sql, ...params);
    },
    withTransactionAsync: (work) => db.withTransactionAsync(work),
  };
}
