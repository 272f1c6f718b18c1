// An expo-sqlite-shaped connection (every call asynchronous, a turn of the
// event loop each) over better-sqlite3: how the tests run the React Native
// store (client/sql-async-store.ts) without a phone.
import Database from 'better-sqlite3';
import type { SqlAsyncDatabase } from '../../client/sql-async-store.ts';

export /** An expo-sqlite-shaped connection (every call asynchronous, a turn of the event loop each) over better-sqlite3. */
function expoShaped(): SqlAsyncDatabase {
  const db = new Database(':memory:');
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    execAsync: async (sql) => {
      await turn();
      db.exec(sql);
    },
    runAsync: async (sql, ...params) => {
      await turn();
      return db.prepare(sql).run(...params);
    },
    getAllAsync: async <T>(sql: string, ...params: (string | number | null)[]) => {
      await turn();
      return db.prepare(sql).all(...params) as T[];
    },
    withTransactionAsync: async (work) => {
      db.exec('BEGIN');
      try {
        await work();
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
  };
}
