// A LocalStore on IndexedDB, for the browser (and anything else that has
// it). Every batch is one readwrite transaction over the three object
// stores, so a page and the cursor after it land together or not at all;
// the "never overwrite a newer local edit" rule is checked inside that
// transaction.
import { StoreUnavailableError } from './errors.ts';
import {
  type BackendVersion,
  type Batch,
  fromStoreV02,
  keyOf,
  type LocalRow,
  type LocalStore,
  type RowKey,
  type StoredDiscardedEdit,
} from './local-store.ts';

const ROWS = 'rows';
const META = 'meta';
const DISCARDED = 'discarded';

/**
 * How a row is kept: `pending` as 0/1 so it can be indexed (IndexedDB
 * cannot index booleans); the edit's base as `editBase`, while `base` keeps
 * SDK 0.2's meaning (the backend version last known), so a database opened
 * again by 0.2 still reads sensibly. A row without `backend` was written by
 * 0.2 (fromStoreV02).
 */
type StoredRow = Omit<LocalRow, 'pending' | 'base' | 'backend' | 'lost'> & {
  pending: 0 | 1;
  base: number | null;
  editBase?: number | null;
  backend?: BackendVersion | null;
  lost?: boolean;
};
type StoredDiscard = StoredDiscardedEdit & { seq: number };

/**
 * The IndexedDB implementation `IndexedDbStore.open` uses: the platform's
 * own by default; pass another where there is none or it is not global (a
 * test's fake-indexeddb, a polyfill over SQLite).
 */
export type IndexedDbApi = { indexedDB: IDBFactory; IDBKeyRange: typeof IDBKeyRange };

export class IndexedDbStore implements LocalStore {
  private constructor(
    private readonly db: IDBDatabase,
    private readonly keyRange: typeof IDBKeyRange,
  ) {}

  /**
   * Opens (creating if needed) the database `name`, one per account and
   * user is a good choice. `api` is the IndexedDB to use (default: the
   * platform's); without one it fails with a StoreUnavailableError.
   */
  static open(name: string, api?: IndexedDbApi): Promise<IndexedDbStore> {
    const { indexedDB, IDBKeyRange } = api ?? {
      indexedDB: globalThis.indexedDB as IDBFactory | undefined,
      IDBKeyRange: globalThis.IDBKeyRange as typeof globalThis.IDBKeyRange | undefined,
    };
    if (indexedDB === undefined || IDBKeyRange === undefined) {
      return Promise.reject(
        new StoreUnavailableError(
          'IndexedDbStore needs IndexedDB, which this platform lacks: pass one as the second argument of IndexedDbStore.open, or use another store',
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        const rows = db.createObjectStore(ROWS, { keyPath: ['collection', 'id'] });
        rows.createIndex('byCollection', 'collection');
        rows.createIndex('pending', ['pending', 'editSeq']);
        db.createObjectStore(META);
        const discarded = db.createObjectStore(DISCARDED, { keyPath: ['collection', 'id'] });
        discarded.createIndex('bySeq', 'seq');
      };
      request.onsuccess = () => resolve(new IndexedDbStore(request.result, IDBKeyRange));
      request.onerror = () => reject(request.error);
    });
  }

  close(): void {
    this.db.close();
  }

  async get({ collection, id }: RowKey): Promise<LocalRow | undefined> {
    const found = await this.read<StoredRow | undefined>(ROWS, (s) => s.get([collection, id]));
    return found && toRow(found);
  }

  async list(collection?: string): Promise<LocalRow[]> {
    const rows = await this.read<StoredRow[]>(ROWS, (s) =>
      collection === undefined ? s.getAll() : s.index('byCollection').getAll(collection),
    );
    return rows.map(toRow);
  }

  async pending(): Promise<LocalRow[]> {
    const rows = await this.read<StoredRow[]>(ROWS, (s) =>
      s.index('pending').getAll(this.keyRange.bound([1, -Infinity], [1, Infinity])),
    );
    return rows.filter((r) => r.issues === null).map(toRow);
  }

  async meta(key: string): Promise<string | null> {
    return (await this.read<string | undefined>(META, (s) => s.get(key))) ?? null;
  }

  async discarded(): Promise<StoredDiscardedEdit[]> {
    const all = await this.read<StoredDiscard[]>(DISCARDED, (s) => s.index('bySeq').getAll());
    return all.map(({ seq: _seq, ...edit }) => edit);
  }

  apply(batch: Batch): Promise<void> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction([ROWS, META, DISCARDED], 'readwrite');
      const rows = tx.objectStore(ROWS);
      const meta = tx.objectStore(META);
      const discarded = tx.objectStore(DISCARDED);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('the IndexedDB transaction was aborted'));

      // Each step reads what it must inside the same transaction; requests run in order.
      for (const row of batch.put ?? []) {
        const request = rows.get([row.collection, row.id]);
        request.onsuccess = () => {
          const current = request.result as StoredRow | undefined;
          if ((current?.editSeq ?? 0) <= row.editSeq) rows.put(toStored(row));
        };
      }
      for (const key of batch.remove ?? []) {
        const request = rows.get([key.collection, key.id]);
        request.onsuccess = () => {
          const current = request.result as StoredRow | undefined;
          if (current && (key.ifEditSeqAtMost === undefined || current.editSeq <= key.ifEditSeqAtMost)) {
            rows.delete([key.collection, key.id]);
          }
        };
      }
      for (const [key, value] of Object.entries(batch.meta ?? {})) {
        if (value === null) meta.delete(key);
        else meta.put(value, key);
      }
      const mark = batch.sweepUnmarked;
      if (mark !== undefined) {
        // Rows this batch puts or removes are theirs to decide, whichever request IndexedDB runs first.
        const decided = new Set([...(batch.put ?? []), ...(batch.remove ?? [])].map(keyOf));
        const cursor = rows.openCursor();
        cursor.onsuccess = () => {
          const at = cursor.result;
          if (at === null) return;
          const row = at.value as StoredRow;
          if (row.pending === 0 && row.issues === null && row.mark !== mark && !decided.has(keyOf(row))) at.delete();
          at.continue();
        };
      }
      for (const key of batch.forget ?? []) discarded.delete([key.collection, key.id]);
      if ((batch.discard ?? []).length > 0) {
        // The newest last: a sequence number one past the highest kept.
        const last = discarded.index('bySeq').openCursor(null, 'prev');
        last.onsuccess = () => {
          let seq = ((last.result?.value as StoredDiscard | undefined)?.seq ?? 0) + 1;
          for (const edit of batch.discard ?? []) discarded.put({ ...edit, seq: seq++ } satisfies StoredDiscard);
        };
      }
    });
  }

  private read<T>(store: string, query: (s: IDBObjectStore) => IDBRequest): Promise<T> {
    return new Promise((resolve, reject) => {
      const request = query(this.db.transaction(store, 'readonly').objectStore(store));
      request.onsuccess = () => resolve(request.result as T);
      request.onerror = () => reject(request.error);
    });
  }
}

function toStored({ base, ...row }: LocalRow): StoredRow {
  return { ...row, pending: row.pending ? 1 : 0, editBase: base, base: row.backend?.updatedAt ?? null };
}

function toRow({ base, editBase, backend, lost, ...row }: StoredRow): LocalRow {
  const read = { ...row, pending: row.pending === 1 };
  if (backend === undefined) return fromStoreV02(read, base ?? null);
  return { ...read, base: editBase ?? null, backend, lost: lost ?? false };
}
