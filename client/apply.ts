// The client's rules, read top to bottom next to docs/protocol.md
// ("Applying what Sync Now returns"), numbered as it numbers them: E1–E3
// for a local edit, A1–A5 for push results, A6–A9 for pulled records,
// A10–A11 for a repair. Pure: rows and discarded edits in, store
// operations out — no store, no network, no clock — so the reference
// client, an adapter for another local database (RxDB, WatermelonDB) and
// docs/conformance/apply-rules.json all run the same rules.
import { contentHash } from '../protocol/content-hash.ts';
import type { WireRecord } from '../protocol/fields.ts';
import type { PushResult } from '../protocol/responses.ts';
import { UnexpectedResponseError } from './errors.ts';
import { type BackendVersion, keyOf, type LocalRow, type RowKey, type StoredDiscardedEdit } from './local-store.ts';

/**
 * E1: an edit is stamped with the device's clock only, never later than
 * the previous stamp (a clock set back) and never two alike (the server
 * knows a retry by device, stamp and content): max(clock, previous + 1).
 * A stamp equal to the edit's base would read as an echo of that version
 * (B3), so it moves on by one.
 */
export function stampFor(clock: number, previous: number, base: number | null): number {
  const stamp = Math.max(clock, previous + 1);
  return stamp === base ? stamp + 1 : stamp;
}

/**
 * E2: the base of an edit of `before` — fixed here, when the edit is made.
 * A record not held: none. A pending one (edited again before the backend
 * answered, or lost and waiting for its winner): its edit's base, kept. A
 * clean one: the backend version it holds.
 */
export function baseOf(before: LocalRow | undefined): number | null {
  if (before === undefined) return null;
  return before.pending ? before.base : (before.backend?.updatedAt ?? null);
}

/** E2: the row of a local edit (`record`: from save(), E3, or a tombstone), pending until the backend answers. */
export function editedRow(
  collection: string,
  record: WireRecord,
  editSeq: number,
  before: LocalRow | undefined,
): LocalRow {
  return {
    collection,
    id: record.id,
    record,
    pending: true,
    editSeq,
    issues: null,
    mark: null,
    base: baseOf(before),
    backend: before?.backend ?? null,
    lost: false,
  };
}

/** What the rules read: the rows of the records they touch, and those records' discarded edits. */
export type Held = {
  row(key: RowKey): LocalRow | undefined;
  discarded(key: RowKey): StoredDiscardedEdit | undefined;
};

/** What the rules decided, as one LocalStore batch: rows to put or remove, discarded edits to keep or forget. */
export type Decided = {
  put: LocalRow[];
  /** Guarded by the edit counter the rule read: an edit made meanwhile survives. */
  remove: (RowKey & { ifEditSeqAtMost: number })[];
  discard: StoredDiscardedEdit[];
  forget: RowKey[];
};

/** A pushed version and the backend's answer for it. */
export type Answered = { pushed: LocalRow; result: PushResult };

/**
 * The rules over one batch: push results first, then a page's records,
 * each seeing what the rules before it decided. `mark` names the snapshot
 * pass in progress (null: none); `now` is when (device clock) a discarded
 * edit was learned of.
 */
export class ApplyRules {
  private readonly rows = new Map<string, LocalRow | null>();
  private readonly losses = new Map<string, StoredDiscardedEdit | null>();
  private readonly keys = new Map<string, RowKey>();

  constructor(
    private readonly held: Held,
    private readonly at: { mark: string | null; now: number },
  ) {}

  /**
   * Push results (login push and Sync Now alike). They answer the pushed
   * records per collection, in request order; an answer that does not
   * (another count, another id) is not the API's.
   */
  pushResults(pushed: LocalRow[], results: Partial<Record<string, PushResult[]>>): Answered[] {
    const answered: Answered[] = [];
    for (const [collection, list = []] of Object.entries(results)) {
      const rows = pushed.filter((r) => r.collection === collection);
      if (rows.length !== list.length) {
        throw new UnexpectedResponseError(200, `${list.length} push results for ${rows.length} ${collection} records`);
      }
      for (const [i, result] of list.entries()) {
        const row = rows[i]!;
        if (result.id !== null && result.id !== row.id) {
          throw new UnexpectedResponseError(
            200,
            `a push result for ${collection} ${result.id} where ${row.id} was sent`,
          );
        }
        this.result(row, result);
        answered.push({ pushed: row, result });
      }
    }
    return answered;
  }

  private result(pushed: LocalRow, result: PushResult): void {
    const row = this.row(pushed);
    // Whether the row still holds the version pushed, or the rep edited it since.
    const same = row !== undefined && row.editSeq === pushed.editSeq;
    switch (result.status) {
      case 'created':
      case 'updated':
      case 'unchanged': {
        const backend = pushed.record.deleted ? null : backendOf(pushed.record, result.updatedAt);
        if (same) {
          // A1: acknowledged: clean, the backend holding it at the result's updatedAt (the rep's copy keeps its own
          //     stamp: a login push changes nothing shown); a deletion is done. A loss of this very version that a
          //     login push reported is over: it reached the backend after all.
          if (pushed.record.deleted) this.remove(row);
          else
            this.set({ ...row, pending: false, lost: false, issues: null, base: null, backend, mark: this.mark(row) });
          const loss = this.discardedOf(pushed);
          if (loss !== undefined && loss.local.updatedAt === pushed.record.updatedAt) this.forget(pushed);
        } else if (row?.pending) {
          // A2: the backend acknowledged this device's own earlier version: the newer edit is now an edit of it.
          //     The only thing that moves a base.
          this.set({ ...row, base: result.updatedAt, backend });
        }
        return;
      }
      case 'stale':
      case 'deleted':
        // A3: the version lost: kept as a discarded edit, and still shown until its winner arrives (marked lost:
        //     not unsent; the next Sync Now pushes it again only so that the pass delivers the winner). Once.
        // A4: edited since: the newer edit goes out next and is decided on its own.
        if (same && !row.lost) {
          this.set({ ...row, lost: true });
          this.keep({
            collection: pushed.collection,
            id: pushed.id,
            reason: result.status,
            local: pushed.record,
            winner: { updatedAt: result.updatedAt, updatedBy: null, record: null },
            at: this.at.now,
          });
        }
        return;
      case 'invalid':
        // A5: set aside with why, not pushed again until edited (edited since: the newer edit goes out).
        if (same) this.set({ ...row, issues: result.issues });
        return;
    }
  }

  /** A page's records (Sync Now), after that page's push results. */
  page(changes: Record<string, WireRecord[]>): void {
    for (const [collection, records] of Object.entries(changes)) {
      for (const record of records) this.pulled(collection, record);
    }
  }

  private pulled(collection: string, record: WireRecord): void {
    const key = { collection, id: record.id };
    const row = this.row(key);
    if (record.deleted) {
      // A7 (2c): a deletion removes the local copy, edited or not. A live edit not yet decided is discarded by it;
      //     a lost one learns its winner; a local deletion loses nothing.
      if (row === undefined) return;
      if (row.lost) this.winnerArrived(row, record);
      else if (row.pending && !row.record.deleted) this.keep(discardedBy(row, record, this.at.now));
      this.remove(row);
      return;
    }
    if (row === undefined || !row.pending || row.lost) {
      // A6 (1): not held → stored. A8 (2b): a clean copy, or a version that lost, is replaced by the backend's.
      if (row?.lost) this.winnerArrived(row, record);
      this.set(receivedRow(collection, record, row, this.at.mark));
      return;
    }
    // A9: a pending edit the backend has not decided (made during this Sync Now, waiting for a later push request
    //     of it, or set aside as invalid) stays as edited: it only learns the backend version under it, for verify.
    const backend = backendOf(record, record.updatedAt);
    if (!sameVersion(row.backend, backend) || this.mark(row) !== row.mark)
      this.set({ ...row, backend, mark: this.mark(row) });
  }

  /**
   * A repair of one id range (protocol "Verify", step 4): `listed`, every
   * live record the backend holds there; `heldThere`, every local row there.
   * Returns which records it stored or removed.
   */
  repair(
    collection: string,
    listed: WireRecord[],
    heldThere: LocalRow[],
  ): { stored: string[]; removed: string[]; noted: number } {
    const out = { stored: [] as string[], removed: [] as string[], noted: 0 };
    const left = new Map(heldThere.map((r) => [r.id, r]));
    for (const record of listed) {
      const row = this.row({ collection, id: record.id });
      left.delete(record.id);
      const version = backendOf(record, record.updatedAt);
      if (row?.pending) {
        // A10: a pending edit is never changed: only the backend version under it is brought up to date.
        if (!sameVersion(row.backend, version)) {
          this.set({ ...row, backend: version });
          out.noted += 1;
        }
      } else if (row === undefined || !sameVersion(viewOf(row), version)) {
        // A10: missing here, or held in another version or with other content → the backend's.
        this.set(receivedRow(collection, record, row, this.at.mark ?? row?.mark ?? null));
        out.stored.push(record.id);
      }
    }
    for (const row of left.values()) {
      // A11: what the backend does not hold (live) there: a clean copy goes; a pending edit stays, over nothing.
      if (!row.pending) {
        this.remove(row);
        out.removed.push(row.id);
      } else if (row.backend !== null) {
        this.set({ ...row, backend: null });
        out.noted += 1;
      }
    }
    return out;
  }

  /** Everything decided, as store operations; rows and discarded edits not touched are left out. */
  decided(): Decided {
    const out: Decided = { put: [], remove: [], discard: [], forget: [] };
    for (const [k, row] of this.rows) {
      const key = this.keys.get(k)!;
      const before = this.held.row(key);
      if (row !== null) out.put.push(row);
      else if (before !== undefined) out.remove.push({ ...key, ifEditSeqAtMost: before.editSeq });
    }
    for (const [k, edit] of this.losses) {
      if (edit !== null) out.discard.push(edit);
      else out.forget.push(this.keys.get(k)!);
    }
    return out;
  }

  /** The row as the rules so far have left it. */
  row(key: RowKey): LocalRow | undefined {
    const k = keyOf(key);
    return this.rows.has(k) ? (this.rows.get(k) ?? undefined) : this.held.row(key);
  }

  private discardedOf(key: RowKey): StoredDiscardedEdit | undefined {
    const k = keyOf(key);
    return this.losses.has(k) ? (this.losses.get(k) ?? undefined) : this.held.discarded(key);
  }

  /**
   * A lost version's winner arrived: its discarded edit (unless the rep
   * dismissed it) learns who wrote what — or goes, for a deletion that lost
   * and has now been deleted after all.
   */
  private winnerArrived(row: LocalRow, winner: WireRecord): void {
    const loss = this.discardedOf(row);
    if (loss === undefined || loss.local.updatedAt !== row.record.updatedAt) return;
    if (winner.deleted && row.record.deleted) this.forget(row);
    else this.keep({ ...discardedBy(row, winner, loss.at), local: loss.local });
  }

  private mark(row: LocalRow): string | null {
    return this.at.mark ?? row.mark;
  }

  private set(row: LocalRow): void {
    this.note(row);
    this.rows.set(keyOf(row), row);
  }

  private remove(key: RowKey): void {
    this.note(key);
    this.rows.set(keyOf(key), null);
  }

  private keep(edit: StoredDiscardedEdit): void {
    this.note(edit);
    this.losses.set(keyOf(edit), edit);
  }

  private forget(key: RowKey): void {
    this.note(key);
    this.losses.set(keyOf(key), null);
  }

  private note({ collection, id }: RowKey): void {
    this.keys.set(keyOf({ collection, id }), { collection, id });
  }
}

/** The backend's version as a clean row, guarded by the edit counter of the row it replaces. */
function receivedRow(
  collection: string,
  record: WireRecord,
  before: LocalRow | undefined,
  mark: string | null,
): LocalRow {
  return {
    collection,
    id: record.id,
    record,
    pending: false,
    editSeq: before?.editSeq ?? 0,
    issues: null,
    mark,
    base: null,
    backend: backendOf(record, record.updatedAt),
    lost: false,
  };
}

/** A version of `record`'s content that the backend holds at `updatedAt`. */
function backendOf(record: WireRecord, updatedAt: number): BackendVersion {
  return { updatedAt, contentHash: contentHash(record) };
}

/**
 * The row in the device's view of the backend (what verify compares): a
 * clean row at its backend `updatedAt`, with the content it holds — so a
 * copy whose fields changed shows — and a pending one at the backend version
 * under its edit; null when that is none.
 */
export function viewOf(row: LocalRow): BackendVersion | null {
  if (row.pending || row.backend === null) return row.backend;
  return { updatedAt: row.backend.updatedAt, contentHash: contentHash(row.record) };
}

function sameVersion(a: BackendVersion | null, b: BackendVersion | null): boolean {
  return a?.updatedAt === b?.updatedAt && a?.contentHash === b?.contentHash;
}

function discardedBy(row: LocalRow, winner: WireRecord, at: number): StoredDiscardedEdit {
  return {
    collection: row.collection,
    id: row.id,
    reason: winner.deleted ? 'deleted' : 'stale',
    local: row.record,
    winner: { updatedAt: winner.updatedAt, updatedBy: winner.updatedBy ?? null, record: winner },
    at,
  };
}
