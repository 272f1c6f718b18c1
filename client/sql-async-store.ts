// A LocalStore over an asynchronous SQLite connection of the shape
// React Native's SQLite libraries offer (expo-sqlite's SQLiteDatabase; an
// op-sqlite connection fits behind a thin wrapper): `execAsync`, `runAsync`,
// `getAllAsync` and `withTransactionAsync`. Each batch is one transaction.
import {
  type Batch,
  fromStoreV02,
  type LocalRow,
  type LocalStore,
  type RowKey,
  type StoredDiscardedEdit,
} from './local-store.ts';

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
  edit_base: number | null;
  backend_updated_at: number | null;
  backend_hash: string | null;
  lost: number;
};

/**
 * `base` keeps SDK 0.2's meaning (the backend version last known, written
 * as today's backend_updated_at), so a database opened again by 0.2 still
 * reads sensibly; the edit's base is `edit_base`. A clean row without
 * backend_hash was written by 0.2 (fromStoreV02).
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS rows (
    collection TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL,
    pending INTEGER NOT NULL, edit_seq INTEGER NOT NULL, issues TEXT, mark TEXT, base INTEGER,
    edit_base INTEGER, backend_updated_at INTEGER, backend_hash TEXT, lost INTEGER NOT NULL DEFAULT 0,
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
    this.ready = db.execAsync(SCHEMA).then(() => addColumns(db));
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

  async discarded(): Promise<StoredDiscardedEdit[]> {
    await this.ready;
    const rows = await this.db.getAllAsync<{ edit: string }>('SELECT edit FROM discarded ORDER BY seq');
    return rows.map((r) => JSON.parse(r.edit) as StoredDiscardedEdit);
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
          `INSERT INTO rows (collection, id, record, pending, edit_seq, issues, mark, base,
             edit_base, backend_updated_at, backend_hash, lost) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (collection, id) DO UPDATE SET record = excluded.record, pending = excluded.pending,
             edit_seq = excluded.edit_seq, issues = excluded.issues, mark = excluded.mark, base = excluded.base,
             edit_base = excluded.edit_base, backend_updated_at = excluded.backend_updated_at,
             backend_hash = excluded.backend_hash, lost = excluded.lost
           WHERE rows.edit_seq <= excluded.edit_seq`,
          r.collection,
          r.id,
          JSON.stringify(r.record),
          r.pending ? 1 : 0,
          r.editSeq,
          r.issues ? JSON.stringify(r.issues) : null,
          r.mark,
          r.backend?.updatedAt ?? null,
          r.base,
          r.backend?.updatedAt ?? null,
          r.backend?.contentHash ?? null,
          r.lost ? 1 : 0,
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
  const read = {
    collection: row.collection,
    id: row.id,
    record: JSON.parse(row.record),
    pending: row.pending === 1,
    editSeq: row.edit_seq,
    issues: row.issues === null ? null : JSON.parse(row.issues),
    mark: row.mark,
  };
  if (row.backend_hash === null && row.pending === 0) return fromStoreV02(read, row.base ?? null);
  return {
    ...read,
    base: row.edit_base ?? null,
    backend:
      row.backend_updated_at === null || row.backend_hash === null
        ? null
        : { updatedAt: row.backend_updated_at, contentHash: row.backend_hash },
    lost: row.lost === 1,
  };
}

/** The columns later versions added, for a database an earlier one made (0.1: no base; 0.2: no edit_base on). */
const ADDED_COLUMNS = [
  ['base', 'INTEGER'],
  ['edit_base', 'INTEGER'],
  ['backend_updated_at', 'INTEGER'],
  ['backend_hash', 'TEXT'],
  ['lost', 'INTEGER NOT NULL DEFAULT 0'],
] as const;

/** Adds what is missing; rows written before read null (or 0) there, which toRow reads as 0.2's rows. */
async function addColumns(db: SqlAsyncDatabase): Promise<void> {
  const columns = async () =>
    new Set((await db.getAllAsync<{ name: string }>('PRAGMA table_info(rows)')).map((c) => c.name));
  for (const [name, type] of ADDED_COLUMNS) {
    if ((await columns()).has(name)) continue;
    try {
      await db.execAsync(`ALTER TABLE rows ADD COLUMN ${name} ${type}`);
    } catch (error) {
      if (!(await columns()).has(name)) throw error; // another connection added it first: fine
    }
  }
}
