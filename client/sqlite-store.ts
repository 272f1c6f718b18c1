// A LocalStore on SQLite (better-sqlite3, Node): survives restarts. Each
// batch is one transaction, so a crash between receiving a page and storing
// it leaves the previous page and cursor intact.
import Database from 'better-sqlite3';
import type { Batch, DiscardedEdit, LocalRow, LocalStore, RowKey } from './local-store.ts';

type DbRow = {
  collection: string;
  id: string;
  record: string;
  pending: number;
  edit_seq: number;
  issues: string | null;
  mark: string | null;
};

export class SqliteStore implements LocalStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS rows (
        collection TEXT NOT NULL, id TEXT NOT NULL, record TEXT NOT NULL,
        pending INTEGER NOT NULL, edit_seq INTEGER NOT NULL, issues TEXT, mark TEXT,
        PRIMARY KEY (collection, id));
      CREATE INDEX IF NOT EXISTS rows_pending ON rows (pending) WHERE pending = 1;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS discarded (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, id TEXT NOT NULL, edit TEXT NOT NULL,
        UNIQUE (collection, id));`);
  }

  async get({ collection, id }: RowKey) {
    const row = this.db
      .prepare<[string, string], DbRow>('SELECT * FROM rows WHERE collection = ? AND id = ?')
      .get(collection, id);
    return row && toRow(row);
  }
  async list(collection?: string) {
    const rows =
      collection === undefined
        ? this.db.prepare<[], DbRow>('SELECT * FROM rows ORDER BY collection, id').all()
        : this.db.prepare<[string], DbRow>('SELECT * FROM rows WHERE collection = ? ORDER BY id').all(collection);
    return rows.map(toRow);
  }
  async pending() {
    return this.db
      .prepare<[], DbRow>('SELECT * FROM rows WHERE pending = 1 AND issues IS NULL ORDER BY edit_seq')
      .all()
      .map(toRow);
  }
  async meta(key: string) {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(key)?.value ?? null;
  }
  async discarded() {
    return this.db
      .prepare<[], { edit: string }>('SELECT edit FROM discarded ORDER BY seq')
      .all()
      .map((r) => JSON.parse(r.edit) as DiscardedEdit);
  }

  async apply(batch: Batch) {
    const put = this.db.prepare(`
      INSERT INTO rows (collection, id, record, pending, edit_seq, issues, mark) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (collection, id) DO UPDATE SET record = excluded.record, pending = excluded.pending,
        edit_seq = excluded.edit_seq, issues = excluded.issues, mark = excluded.mark
      WHERE rows.edit_seq <= excluded.edit_seq`);
    const remove = this.db.prepare('DELETE FROM rows WHERE collection = ? AND id = ? AND edit_seq <= ?');
    const setMeta = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    const deleteMeta = this.db.prepare('DELETE FROM meta WHERE key = ?');
    const forget = this.db.prepare('DELETE FROM discarded WHERE collection = ? AND id = ?');
    const discard = this.db.prepare('INSERT INTO discarded (collection, id, edit) VALUES (?, ?, ?)');
    const sweep = this.db.prepare(
      'DELETE FROM rows WHERE pending = 0 AND issues IS NULL AND (mark IS NULL OR mark <> ?)',
    );
    this.db.transaction(() => {
      for (const r of batch.put ?? []) {
        put.run(
          r.collection,
          r.id,
          JSON.stringify(r.record),
          r.pending ? 1 : 0,
          r.editSeq,
          r.issues ? JSON.stringify(r.issues) : null,
          r.mark,
        );
      }
      for (const k of batch.remove ?? []) remove.run(k.collection, k.id, k.ifEditSeqAtMost ?? Number.MAX_SAFE_INTEGER);
      for (const [k, v] of Object.entries(batch.meta ?? {})) v === null ? deleteMeta.run(k) : setMeta.run(k, v);
      if (batch.sweepUnmarked !== undefined) sweep.run(batch.sweepUnmarked);
      for (const k of batch.forget ?? []) forget.run(k.collection, k.id);
      for (const d of batch.discard ?? []) {
        forget.run(d.collection, d.id); // one per record: the newest replaces it, at the end
        discard.run(d.collection, d.id, JSON.stringify(d));
      }
    })();
  }

  close(): void {
    this.db.close();
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
  };
}
