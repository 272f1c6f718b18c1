// A LocalStore over another framework's local database (RxDB, WatermelonDB:
// rxdb.ts, watermelon.ts), so the SyncClient — its passes, and the rules of
// apply.ts — runs over the database an app already has. Live records of the
// collections the framework holds as tables are documents there, where the
// app queries and observes them, each with its sync state beside its fields.
// What a framework table cannot hold goes to its key-value area: a pending
// deletion (a framework keeps no stamp for a deleted record, and a pushed
// tombstone needs one), rows of a collection this build does not know,
// discarded edits and meta. The batch semantics — the edit-counter guard,
// the sweep after a snapshot — are the LocalStore contract's
// (store-contract.ts), kept here once for every framework.

import type { StoredDiscardedEdit } from './local-store.ts';
import { type Batch, isSweepable, keyOf, type LocalRow, type LocalStore, type RowKey } from './local-store.ts';

/** A row's sync state, as a framework document keeps it next to the record's fields. */
export type SyncState = Omit<LocalRow, 'collection' | 'id' | 'record'>;

/** What an adapter gives: its framework's tables, and a key-value area for everything else. */
export interface FrameworkTables {
  /** The collections the framework holds as tables. */
  readonly collections: readonly string[];
  /** The rows of `ids` the table holds. */
  read(collection: string, ids: string[]): Promise<LocalRow[]>;
  /** Every row of the table, or only those to push (`pending` and no `issues`), by a query of the framework's. */
  readAll(collection: string, toPush: boolean): Promise<LocalRow[]>;
  /** Puts live rows, removes rows (an absent id is no error) and sets keys (null: deletes), in one write where the framework has one. */
  write(put: LocalRow[], remove: RowKey[], kv: Record<string, string | null>): Promise<void>;
  kvGet(key: string): Promise<string | null>;
}

const ASIDE = 'mss:aside';
const DISCARDED = 'mss:discarded';
const metaKey = (key: string) => `mss:meta:${key}`;

export class FrameworkStore implements LocalStore {
  /** Read once, then kept: this store is the only writer of its keys. */
  private asideRows: Map<string, LocalRow> | undefined;
  private losses: StoredDiscardedEdit[] | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(protected readonly tables: FrameworkTables) {}

  async get(key: RowKey): Promise<LocalRow | undefined> {
    const aside = (await this.aside()).get(keyOf(key));
    if (aside !== undefined || !this.holds(key.collection)) return clone(aside);
    const [row] = await this.tables.read(key.collection, [key.id]);
    return row;
  }

  async list(collection?: string): Promise<LocalRow[]> {
    const aside = [...(await this.aside()).values()].filter(
      (r) => collection === undefined || r.collection === collection,
    );
    const held = collection === undefined ? this.tables.collections : this.holds(collection) ? [collection] : [];
    const rows = [...(await Promise.all(held.map((c) => this.tables.readAll(c, false)))).flat(), ...aside.map(clone)];
    return rows.sort((a, b) =>
      a.collection === b.collection ? compare(a.id, b.id) : compare(a.collection, b.collection),
    );
  }

  async pending(): Promise<LocalRow[]> {
    const held = (await Promise.all(this.tables.collections.map((c) => this.tables.readAll(c, true)))).flat();
    const aside = [...(await this.aside()).values()].filter((r) => r.pending && r.issues === null).map(clone);
    return [...held, ...aside].sort((a, b) => a.editSeq - b.editSeq);
  }

  meta(key: string): Promise<string | null> {
    return this.tables.kvGet(metaKey(key));
  }

  async discarded(): Promise<StoredDiscardedEdit[]> {
    return clone(await this.discardedList());
  }

  /** One batch at a time: each reads the rows it guards against, then writes. */
  apply(batch: Batch): Promise<void> {
    const run = this.writing.then(() => this.applyNow(batch));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async applyNow(batch: Batch): Promise<void> {
    // The rows as they stand, and as the batch leaves them (null: removed), key by key.
    const touched = [...(batch.put ?? []), ...(batch.remove ?? [])];
    const now = new Map<string, LocalRow | null>();
    for (const row of await this.rowsOf(touched)) now.set(keyOf(row), row);
    const after = new Map<string, LocalRow | null>();
    const current = (key: RowKey) => (after.has(keyOf(key)) ? after.get(keyOf(key)) : now.get(keyOf(key)));
    for (const row of batch.put ?? []) {
      if ((current(row)?.editSeq ?? 0) <= row.editSeq) after.set(keyOf(row), clone(row));
    }
    for (const key of batch.remove ?? []) {
      if (key.ifEditSeqAtMost === undefined || (current(key)?.editSeq ?? 0) <= key.ifEditSeqAtMost)
        after.set(keyOf(key), null);
    }
    if (batch.sweepUnmarked !== undefined) {
      for (const row of await this.list()) {
        const state = after.has(keyOf(row)) ? after.get(keyOf(row)) : row;
        if (state && isSweepable(state, batch.sweepUnmarked)) after.set(keyOf(row), null);
      }
    }

    const aside = new Map(await this.aside());
    const put: LocalRow[] = [];
    const remove: RowKey[] = [];
    for (const [k, row] of after) {
      const key = row ?? keyFromString(k);
      const inTable = row !== null && this.holds(row.collection) && !row.record.deleted;
      if (inTable) put.push(row);
      else if (this.holds(key.collection)) remove.push({ collection: key.collection, id: key.id });
      if (row !== null && !inTable) aside.set(k, row);
      else aside.delete(k);
    }

    let losses = await this.discardedList();
    if (batch.forget !== undefined || batch.discard !== undefined) {
      const gone = new Set([...(batch.forget ?? []), ...(batch.discard ?? [])].map(keyOf));
      losses = [...losses.filter((d) => !gone.has(keyOf(d))), ...(batch.discard ?? []).map(clone)];
    }

    const kv: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(batch.meta ?? {})) kv[metaKey(k)] = v;
    if (after.size > 0) kv[ASIDE] = JSON.stringify([...aside.values()]);
    if (losses !== this.losses) kv[DISCARDED] = JSON.stringify(losses);
    await this.tables.write(put, remove, kv);
    this.asideRows = aside;
    this.losses = losses;
  }

  private holds(collection: string): boolean {
    return this.tables.collections.includes(collection);
  }

  /** The rows of `keys` held now (tables and aside). */
  private async rowsOf(keys: RowKey[]): Promise<LocalRow[]> {
    const aside = await this.aside();
    const byCollection = new Map<string, string[]>();
    const out: LocalRow[] = [];
    for (const key of keys) {
      const row = aside.get(keyOf(key));
      if (row !== undefined) out.push(row);
      else if (this.holds(key.collection))
        byCollection.set(key.collection, [...(byCollection.get(key.collection) ?? []), key.id]);
    }
    for (const [collection, ids] of byCollection) out.push(...(await this.tables.read(collection, [...new Set(ids)])));
    return out;
  }

  private async aside(): Promise<Map<string, LocalRow>> {
    if (this.asideRows === undefined) {
      const stored = await this.tables.kvGet(ASIDE);
      const rows = stored === null ? [] : (JSON.parse(stored) as LocalRow[]);
      this.asideRows = new Map(rows.map((r) => [keyOf(r), r]));
    }
    return this.asideRows;
  }

  private async discardedList(): Promise<StoredDiscardedEdit[]> {
    if (this.losses === undefined) {
      const stored = await this.tables.kvGet(DISCARDED);
      this.losses = stored === null ? [] : (JSON.parse(stored) as StoredDiscardedEdit[]);
    }
    return this.losses;
  }
}

/** A row from a framework document's parts: its collection, its record, and its sync state. */
export function rowOf(collection: string, record: LocalRow['record'], state: SyncState): LocalRow {
  return { collection, id: record.id, record, ...state };
}

/** A row's sync state, apart from its record. */
export function stateOf(row: LocalRow): SyncState {
  const { collection: _c, id: _i, record: _r, ...state } = row;
  return state;
}

function keyFromString(key: string): RowKey {
  const [collection = '', id = ''] = key.split('\u0000');
  return { collection, id };
}

/** Ids compared as the protocol compares them (UTF-16 order agrees with UTF-8's for the id alphabet). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
