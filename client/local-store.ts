// The device's local database, behind an interface a mobile app can back
// with whatever it has (SQLite, Realm, IndexedDB). Every `apply` is atomic:
// a page of changes and the cursor after it land together or not at all.

import type { Issue, UpdatedBy, WireRecord } from '../protocol/fields.ts';

export type { Issue, WireRecord };

export type LocalRow = {
  collection: string;
  id: string;
  record: WireRecord;
  /** A local change the backend has not accepted yet. */
  pending: boolean;
  /** The local edit counter at this row's last local edit (0: never edited here). */
  editSeq: number;
  /** Set when the backend rejected the pending version: it is not pushed again until edited. */
  issues: Issue[] | null;
  /** Which snapshot pass last delivered or acknowledged this row. */
  mark: string | null;
  /**
   * The backend's `updatedAt` of this record as this device last knew it:
   * what it pulled, or what the backend answered for its push. A local edit
   * keeps it, so a pending row still says which backend version it was
   * based on; null for a record made here and never acknowledged. Verify
   * compares these with the backend (versionOf). Rows stored before it
   * existed read as null: see versionOf.
   */
  base: number | null;
};

export type RowKey = { collection: string; id: string };

/** Who wrote a version the backend holds (`deviceId` null: the Main App, web): the protocol's `updatedBy`. */
export type Writer = UpdatedBy;

/**
 * A local edit that lost (the rep's version, kept so the app can say what
 * replaced it and offer it back): `stale` when the backend held a version at
 * least as new, `deleted` when the backend had deleted the record.
 */
export type DiscardedEdit = {
  collection: string;
  id: string;
  reason: 'stale' | 'deleted';
  /** The rep's version that lost. */
  local: WireRecord;
  /** The version that beat it: when it was written and, once a Sync Now has brought it, by whom and what it holds. */
  winner: { updatedAt: number; updatedBy: Writer | null; record: WireRecord | null };
  /** Device clock when this device learned of it. */
  at: number;
};

/**
 * A batch is applied atomically. A put never overwrites a row edited after
 * the version it was based on (a stored editSeq above the put's), so a local
 * edit racing a sync is never lost; a remove with `ifEditSeqAtMost` likewise.
 */
export type Batch = {
  put?: LocalRow[];
  remove?: (RowKey & { ifEditSeqAtMost?: number })[];
  meta?: Record<string, string | null>;
  /** After a snapshot: drop clean rows (not pending, not quarantined) whose mark is not this one. */
  sweepUnmarked?: string;
  /** Discarded edits to keep (one per record: a later one replaces an earlier one). */
  discard?: DiscardedEdit[];
  /** Discarded edits to forget (restored or dismissed). */
  forget?: RowKey[];
};

export interface LocalStore {
  get(key: RowKey): Promise<LocalRow | undefined>;
  list(collection?: string): Promise<LocalRow[]>;
  /** Rows with a change to push (pending and not quarantined). */
  pending(): Promise<LocalRow[]>;
  meta(key: string): Promise<string | null>;
  /** The local edits that lost, oldest first. */
  discarded(): Promise<DiscardedEdit[]>;
  /** Applies everything in the batch atomically. */
  apply(batch: Batch): Promise<void>;
}

/** One string per (collection, id), for maps and sets. */
export const keyOf = ({ collection, id }: RowKey) => `${collection}\u0000${id}`;

/** In memory: for tests, and for apps that keep nothing between launches. */
export class MemoryStore implements LocalStore {
  private rows = new Map<string, LocalRow>();
  private metas = new Map<string, string>();
  private losers = new Map<string, DiscardedEdit>();

  async get(key: RowKey) {
    return clone(this.rows.get(keyOf(key)));
  }
  async list(collection?: string) {
    return [...this.rows.values()]
      .filter((r) => collection === undefined || r.collection === collection)
      .map((r) => clone(r)!);
  }
  async pending() {
    return [...this.rows.values()].filter((r) => r.pending && r.issues === null).map((r) => clone(r)!);
  }
  async meta(key: string) {
    return this.metas.get(key) ?? null;
  }
  async discarded() {
    return [...this.losers.values()].map((d) => clone(d)!);
  }
  async apply(batch: Batch) {
    // Build the next state first, then swap: all or nothing.
    const rows = new Map(this.rows);
    const metas = new Map(this.metas);
    const losers = new Map(this.losers);
    for (const key of batch.forget ?? []) losers.delete(keyOf(key));
    for (const edit of batch.discard ?? []) {
      losers.delete(keyOf(edit)); // re-inserted last: the newest at the end
      losers.set(keyOf(edit), clone(edit)!);
    }
    for (const row of batch.put ?? []) {
      if ((rows.get(keyOf(row))?.editSeq ?? 0) <= row.editSeq) rows.set(keyOf(row), clone(row)!);
    }
    for (const key of batch.remove ?? []) {
      if (key.ifEditSeqAtMost === undefined || (rows.get(keyOf(key))?.editSeq ?? 0) <= key.ifEditSeqAtMost)
        rows.delete(keyOf(key));
    }
    for (const [k, v] of Object.entries(batch.meta ?? {})) v === null ? metas.delete(k) : metas.set(k, v);
    if (batch.sweepUnmarked !== undefined) {
      for (const [k, row] of rows) if (isSweepable(row, batch.sweepUnmarked)) rows.delete(k);
    }
    this.rows = rows;
    this.metas = metas;
    this.losers = losers;
  }
}

/**
 * The backend version this row stands for in the device's view of the
 * backend (what verify compares): a clean row's own `updatedAt` as received,
 * a pending row's `base` (null: the backend does not have it, as far as this
 * device knows). A clean row's `base` wins over its `updatedAt` where they
 * differ — a push the backend accepted with a skew-corrected `updatedAt` is
 * held with the rep's stamp — and a clean row stored before `base` existed
 * falls back to its `updatedAt` (a skewed one then shows as differing, and a
 * repair replaces it with the backend's copy). A pending row stored before
 * `base` existed is left out until its push is acknowledged or a repair
 * learns its backend version: it can make a range differ, never match.
 */
export function versionOf(row: LocalRow): number | null {
  if (row.pending) return row.base ?? null;
  return row.base ?? row.record.updatedAt;
}

export function isSweepable(row: LocalRow, mark: string): boolean {
  return !row.pending && row.issues === null && row.mark !== mark;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
