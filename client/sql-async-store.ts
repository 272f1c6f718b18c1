// A LocalStore over an asynchronous SQLite connection of the shape
// React Native's SQLite libraries offer (expo-sqlite's SQLiteDatabase; an
// op-sqlite connection fits behind a thin wrapper): `execAsync`, `runAsync`,
// `getAllAsync` and `withTransactionAsync`. Each batch is one transaction.
import type { Batch, DiscardedEdit, LocalRow, LocalStore, RowKey } from './local-store.ts';

type Param = string | number | null;

/** What the store needs of the database: expo-sqlite's SQLiteDatabase has exactly these. */
export interface SqlAsyncDatabase {
  execAsync(sql: string): Promise<void>;
  runAsync(sql: string, ...params: Param[]): Promise<unknown>;
  getAllAsync<T>(sql: string, ...params: Param[]): Promise<T[]>;
  withTransactionAsync(work: () => Promise<void>): Promise<void>;
}

type DbRow = {
  collection: string;
  id: string;
  record: string;
  pending: number;
  edit_seq: number;
  issues: string | null;
  mark: string | null;
  base: number | null;
};

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS rows (
    collection TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL,
    pending INTEGER NOT NULL, edit_seq INTEGER NOT NULL, issues TEXT, mark TEXT, base INTEGER,
    PRIMARY KEY (collection, id));
  CREATE INDEX IF NOT EXISTS rows_pending ON rows (pending) WHERE pending = 1;
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS discarded (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, id TEXT NOT NULL, edit TEXT NOT NULL,
    UNIQUE (collection, id));`;

export class SqlAsyncStore implements LocalStore {
  private readonly ready: Promise<void>;
  /** Batches one at a time: a connection holds one transaction at a time. */
  private batches: Promise<unknown> = Promise.resolve();

  /** Creates the tables if needed (before the first read or write). */
  constructor(private readonly db: SqlAsyncDatabase) {
    this.ready = db.execAsync(SCHEMA).then(() => addBaseColumn(db));
  }

  static async open(db: SqlAsyncDatabase): Promise<SqlAsyncStore> {
    const store = new SqlAsyncStore(db);
    await store.ready;
    return store;
  }

  async get({ collection, id }: RowKey): Promise<LocalRow | undefined> {
    await this.ready;
    const [row] = await this.db.getAllAsync<DbRow>(
      'SELECT * FROM rows WHERE collection = ? AND id = ?',
      collection,
      id,
    );
    return row && toRow(row);
  }

  async list(collection?: string): Promise<LocalRow[]> {
    await this.ready;
    const rows =
      collection === undefined
        ? await this.db.getAllAsync<DbRow>('SELECT * FROM rows ORDER BY collection, id')
        : await this.db.getAllAsync<DbRow>('SELECT * FROM rows WHERE collection = ? ORDER BY id', collection);
    return rows.map(toRow);
  }

  async pending(): Promise<LocalRow[]> {
    await this.ready;
    const rows = await this.db.getAllAsync<DbRow>(
      'SELECT * FROM rows WHERE pending = 1 AND issues IS NULL ORDER BY edit_seq',
    );
    return rows.map(toRow);
  }

  async meta(key: string): Promise<string | null> {
    await this.ready;
    const [row] = await this.db.getAllAsync<{ value: string }>('SELECT value FROM meta WHERE key = ?', key);
    return row?.value ?? null;
  }

  async discarded(): Promise<DiscardedEdit[]> {
    await this.ready;
    const rows = await this.db.getAllAsync<{ edit: string }>('SELECT edit FROM discarded ORDER BY seq');
    return rows.map((r) => JSON.parse(r.edit) as DiscardedEdit);
  }

  apply(batch: Batch): Promise<void> {
    const run = this.batches.then(async () => {
      await this.ready;
      await this.write(batch);
    });
    this.batches = run.catch(() => undefined);
    return run;
  }

  private write(batch: Batch): Promise<void> {
    const { db } = this;
    return db.withTransactionAsync(async () => {
      for (const r of batch.put ?? []) {
        await db.runAsync(
          `INSERT INTO rows (collection, id, record, pending, edit_seq, issues, mark, base) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (collection, id) DO UPDATE SET record = excluded.record, pending = excluded.pending,
             edit_seq = excluded.edit_seq, issues = excluded.issues, mark = excluded.mark, base = excluded.base
           WHERE rows.edit_seq <= excluded.edit_seq`,
          r.collection,
          r.id,
          JSON.stringify(r.record),
          r.pending ? 1 : 0,
          r.editSeq,
          r.issues ? JSON.stringify(r.issues) : null,
          r.mark,
          r.base ?? null,
        );
      }
      for (const k of batch.remove ?? []) {
        await db.runAsync(
          'DELETE FROM rows WHERE collection = ? AND id = ? AND edit_seq <= ?',
          k.collection,
          k.id,
          k.ifEditSeqAtMost ?? Number.MAX_SAFE_INTEGER,
        );
      }
      for (const [key, value] of Object.entries(batch.meta ?? {})) {
        if (value === null) await db.runAsync('DELETE FROM meta WHERE key = ?', key);
        else await db.runAsync('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value);
      }
      if (batch.sweepUnmarked !== undefined) {
        await db.runAsync(
          'DELETE FROM rows WHERE pending = 0 AND issues IS NULL AND (mark IS NULL OR mark <> ?)',
          batch.sweepUnmarked,
        );
      }
      for (const k of batch.forget ?? []) {
        await db.runAsync('DELETE FROM discarded WHERE collection = ? AND id = ?', k.collection, k.id);
      }
      for (const d of batch.discard ?? []) {
        // One per record: the newest replaces it, at the end.
        await db.runAsync('DELETE FROM discarded WHERE collection = ? AND id = ?', d.collection, d.id);
        await db.runAsync(
          'INSERT INTO discarded (collection, id, edit) VALUES (?, ?, ?)',
          d.collection,
          d.id,
          JSON.stringify(d),
        );
      }
    });
  }
}

function toRow(row: DbRow): LocalRow {
  return {
    collection: row.collection,
    id: row.id,
    record: JSON.parse(row.record),
    pending: row.pending === 1,
    editSeq: row.edit_seq,
    issues: row.issues === null ? null : JSON.parse(row.issues),
    mark: row.mark,
    base: row.base ?? null,
  };
}

/**
 * A database made before rows had `base` gains the column; its rows read
 * null there, which LocalRow's versionOf treats as unknown (safe: verify can
 * then only find a difference, and repair or the next push fills it in).
 */
async function addBaseColumn(db: SqlAsyncDatabase): Promise<void> {
  const hasBase = async () =>
    (await db.getAllAsync<{ name: string }>('PRAGMA table_info(rows)')).some((c) => c.name === 'base');
  if (await hasBase()) return;
  try {
    await db.execAsync('ALTER TABLE rows ADD COLUMN base INTEGER');
  } catch (error) {
    if (!(await hasBase())) throw error; // another connection added it first: fine
  }
}
