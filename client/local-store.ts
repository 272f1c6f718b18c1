// The device's local database, behind an interface a mobile app can back
// with whatever it has (SQLite, Realm, IndexedDB). Every `apply` is atomic:
// a page of changes and the cursor after it land together or not at all.
// A store knows nothing of collections or rules: a collection is a string,
// a record any JSON object (client/apply.ts decides what goes in).
import { contentHash } from '../protocol/content-hash.ts';
import type { Issue, UpdatedBy, WireRecord } from '../protocol/fields.ts';

export type { Issue, WireRecord };

/** A backend version as the device knows it: when the backend stamped it, and its content hash (protocol §3). */
export type BackendVersion = { updatedAt: number; contentHash: string };

export type LocalRow = {
  collection: string;
  id: string;
  /** What the app shows: the backend's version, or the rep's pending one (every field, known to this build or not). */
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
   * The pending edit's `base` (protocol v1.3): the backend `updatedAt` of
   * the version the rep edited, fixed when the edit is made and sent with
   * it. Only the backend's acknowledgement of this device's own earlier
   * version moves it. Null for a record made here, for an edit whose base is
   * unknown (one stored by SDK 0.2), and on a clean row.
   */
  base: number | null;
  /**
   * The backend version this device last received or had acknowledged,
   * kept for verify: for a pending row, the version under the edit. Null
   * when the backend has none as far as this device knows.
   */
  backend: BackendVersion | null;
  /**
   * The pending version lost (a `stale` or `deleted` push result) and is
   * kept as a discarded edit; the row still shows it until the winner
   * arrives. Not an unsent edit: a login push leaves it alone, and the next
   * Sync Now pushes it again only so that the pass delivers the winner.
   */
  lost: boolean;
};

export type RowKey = { collection: string; id: string };

/** Who wrote a version the backend holds (`deviceId` null: the Main App, web): the protocol's `updatedBy`. */
export type Writer = UpdatedBy;

/**
 * A local edit that lost, as a store keeps it (the rep's version, kept so
 * the app can say what replaced it and offer it back): `stale` when the
 * backend held a version at least as new, `deleted` when the backend had
 * deleted the record. The SyncClient hands these out typed per collection.
 */
export type StoredDiscardedEdit = {
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
  discard?: StoredDiscardedEdit[];
  /** Discarded edits to forget (restored or dismissed). */
  forget?: RowKey[];
};

export interface LocalStore {
  get(key: RowKey): Promise<LocalRow | undefined>;
  list(collection?: string): Promise<LocalRow[]>;
  /** Rows with a change to push (pending and not quarantined), in edit order. */
  pending(): Promise<LocalRow[]>;
  meta(key: string): Promise<string | null>;
  /** The local edits that lost, oldest first. */
  discarded(): Promise<StoredDiscardedEdit[]>;
  /** Applies everything in the batch atomically. */
  apply(batch: Batch): Promise<void>;
}

/** One string per (collection, id), for maps and sets. */
export const keyOf = ({ collection, id }: RowKey) => `${collection}\u0000${id}`;

/** In memory: for tests, and for apps that keep nothing between launches. */
export class MemoryStore implements LocalStore {
  private rows = new Map<string, LocalRow>();
  private metas = new Map<string, string>();
  private losers = new Map<string, StoredDiscardedEdit>();

  async get(key: RowKey) {
    return clone(this.rows.get(keyOf(key)));
  }
  async list(collection?: string) {
    return [...this.rows.values()]
      .filter((r) => collection === undefined || r.collection === collection)
      .map((r) => clone(r)!);
  }
  async pending() {
    return [...this.rows.values()]
      .filter((r) => r.pending && r.issues === null)
      .sort((a, b) => a.editSeq - b.editSeq)
      .map((r) => clone(r)!);
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
 * A row as SDK 0.2 stored it — `base` then meant the backend version last
 * known, and there was neither `backend` nor `lost` — in today's terms. A
 * clean row's backend version is that old `base` (or its own `updatedAt`)
 * with the content hash of the record it holds, which is the backend's. A
 * pending row's edit base is unknown (null: its push is decided by clock,
 * as 0.2's was — the old field was moved by pulls, and sent as a v1.3 base
 * it could turn an older edit into a win), and so is the content under it
 * (null: verify counts its range as differing until a repair or the push's
 * acknowledgement learns it). A 0.2 edit that had lost at a login push is
 * pushed again once and then marked lost as today's would be.
 */
export function fromStoreV02(row: Omit<LocalRow, 'base' | 'backend' | 'lost'>, oldBase: number | null): LocalRow {
  const backend = row.pending
    ? null
    : { updatedAt: oldBase ?? row.record.updatedAt, contentHash: contentHash(row.record) };
  return { ...row, base: null, backend, lost: false };
}

export function isSweepable(row: LocalRow, mark: string): boolean {
  return !row.pending && row.issues === null && row.mark !== mark;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
