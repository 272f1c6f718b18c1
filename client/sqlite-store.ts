// A LocalStore on SQLite for Node apps and tests (better-sqlite3): the same
// SQL as the React Native store (sql-async-store.ts), over a better-sqlite3
// connection. It survives restarts; each batch is one transaction, so a crash
// between receiving a page and storing it leaves the previous page and
// cursor intact.
import Database from 'better-sqlite3';
import { type SqlAsyncDatabase, SqlAsyncStore } from './sql-async-store.ts';

/** A better-sqlite3 connection in the asynchronous shape SqlAsyncStore takes. */
export function asyncConnection(db: Database.Database): SqlAsyncDatabase {
  return {
    execAsync: async (sql) => {
      db.exec(sql);
    },
    runAsync: async (sql, ...params) => db.prepare(sql).run(...params),
    getAllAsync: async <T>(sql: string, ...params: (string | number | null)[]) => db.prepare(sql).all(...params) as T[],
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

export class SqliteStore extends SqlAsyncStore {
  private readonly connection: Database.Database;

  constructor(path: string) {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    super(asyncConnection(db));
    this.connection = db;
  }

  close(): void {
    this.connection.close();
  }
}
