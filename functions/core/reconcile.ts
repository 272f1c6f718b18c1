// The reconcile rules, read top to bottom next to docs/protocol.md ("How the
// server decides") and the product's rules, numbered as they are: the seed's
// rules (1, 2a, 2b, 2c, 3) and protocol v1.3's B1–B6, which decide by the
// version a device edited (`base`) where it is known and by clock-corrected
// `updatedAt` only where two writers really were concurrent.
// Pure: no AWS, no I/O. `decidePush` is the whole table; `firstWrite` and
// `secondWrite` are the same rules cut into the at most two conditional
// writes the store makes (store/records-store.ts turns a guard into one
// DynamoDB condition), and `decidePush` names the outcome from the item a
// failed write hands back. The table of cases in docs/conformance/ runs
// against both, so they cannot drift.
import { MIN_TIMESTAMP_MS } from '../../protocol/fields.ts';

/** A version as the backend holds it: the facts the rules look at. */
export type StoredVersion = {
  /** Effective `updatedAt`, on the server clock. */
  updatedAt: number;
  deleted: boolean;
  /**
   * The content hash (protocol/content-hash.ts). Absent on versions written
   * before v1.3: such a version never counts as the same content (B2), so at
   * worst an echo of it is decided by B3–B6 like an edit.
   */
  contentHash?: string | undefined;
};

/** A version a device pushes. */
export type IncomingVersion = {
  /** Effective `updatedAt`: the device's stamp, skew-corrected (effectiveUpdatedAt). */
  updatedAt: number;
  /** The device's own stamp, as sent. */
  clientUpdatedAt: number;
  deleted: boolean;
  contentHash: string;
  /** The backend `updatedAt` of the version the device edited; null when none or unknown. */
  base: number | null;
};

/** What the decision needs of the server: its clock and how long tombstones are kept. */
export type DecisionClock = { now: number; tombstoneRetentionMs: number };

export type PushStatus = 'created' | 'updated' | 'unchanged' | 'stale' | 'deleted';

/** Which row of the table decided. */
export type Rule = 'B1' | 'B2' | 'B3' | 'B4' | 'B5' | 'B6';

export type Decision = {
  status: PushStatus;
  rule: Rule;
  /** The backend's `updatedAt` after the decision: the stored stamp when written, else what it holds (B5: the pushed version's). */
  updatedAt: number;
};

/**
 * Decides one pushed version against what the backend holds (`undefined`
 * when it holds nothing). Every branch is a row of the rules table.
 */
export function decidePush(
  current: StoredVersion | undefined,
  incoming: IncomingVersion,
  clock: DecisionClock,
): Decision {
  const { base } = incoming;
  if (current === undefined) {
    // B5: the device edited a version old enough to have been deleted and purged
    //     since: not resurrected. The pass delivers a tombstone in its place.
    if (base !== null && isPastRetention(base, clock)) {
      return { status: 'deleted', rule: 'B5', updatedAt: incoming.updatedAt };
    }
    // 3 (B5 with a young base, B6): created on the device, absent on the
    //   backend → written. (A pushed tombstone for an unknown id is stored too,
    //   so a late create from elsewhere cannot resurrect it.)
    return { status: 'created', rule: base === null ? 'B6' : 'B5', updatedAt: stampFor(incoming) };
  }

  // B1, 2c: deleted on the backend → the device deletes it, even if it edited
  //   it. Deletion is terminal, whatever the incoming updatedAt; a delete of a
  //   deleted record (a retry, or two devices deleting) is no lost edit.
  if (current.deleted) {
    return { status: incoming.deleted ? 'unchanged' : 'deleted', rule: 'B1', updatedAt: current.updatedAt };
  }

  // B2: the backend already holds this content. A retry, or an echo of what the
  //   device received: it can neither move the record forward nor override a newer one.
  if (sameContent(current, incoming)) return { status: 'unchanged', rule: 'B2', updatedAt: current.updatedAt };

  // B3: the device sends back, under the stamp it received, a version it did not
  //   edit (an edit carries the device's own stamp): an echo of an older version.
  if (base !== null && incoming.clientUpdatedAt === base) {
    return { status: 'stale', rule: 'B3', updatedAt: current.updatedAt };
  }

  // B4: the device edited the backend's latest version: it wins, whatever its
  //   clock says, stored just past that version if its clock says otherwise.
  if (base !== null && current.updatedAt === base) {
    return { status: 'updated', rule: 'B4', updatedAt: stampFor(incoming) };
  }

  // B6, the seed's rules, for concurrent writers (or a device that sends no base):
  //   2a: backend older → the device version (an edit or a delete) is stored;
  //   2b: backend newer → the device version is discarded. Ties keep the backend.
  if (incoming.updatedAt > current.updatedAt) return { status: 'updated', rule: 'B6', updatedAt: incoming.updatedAt };
  return { status: 'stale', rule: 'B6', updatedAt: current.updatedAt };
}

/** Whether a decision writes the incoming version. */
export function writes(status: PushStatus): boolean {
  return status === 'created' || status === 'updated';
}

/**
 * When a write may go ahead, as data the store turns into one DynamoDB
 * condition: the record is missing (`ifMissing`), or it is live, holds other
 * content than `contentHash`, and its `updatedAt` equals `ifAt` or is below
 * `ifBefore` (either may be absent; with both absent only a missing record
 * is replaced).
 */
export type WriteGuard = {
  ifMissing: boolean;
  contentHash: string;
  ifAt?: number;
  ifBefore?: number;
};

/** A conditional write: the stamp to store at, and when it may land. */
export type WriteAttempt = { storeAt: number; guard: WriteGuard };

/**
 * The first (and usually only) write of a push: every way the table can
 * write this version with one stamp, decided by DynamoDB at the item — so
 * B2, B4 and B6 cost one conditional write and no read, and B1, B3 and B5
 * cost one failed write whose returned item (none, for B5) names the outcome.
 */
export function firstWrite(incoming: IncomingVersion, clock: DecisionClock): WriteAttempt {
  const { base } = incoming;
  const storeAt = stampFor(incoming);
  const ifMissing = base === null || !isPastRetention(base, clock);
  if (base === null) return { storeAt, guard: { ifMissing, contentHash: incoming.contentHash, ifBefore: storeAt } };
  // B3: an echo of the version it names never replaces a live one.
  if (incoming.clientUpdatedAt === base) return { storeAt, guard: { ifMissing, contentHash: incoming.contentHash } };
  // B4 at storeAt; and B6's 2a with the same stamp when the device's own is past base.
  return {
    storeAt,
    guard: {
      ifMissing,
      contentHash: incoming.contentHash,
      ifAt: base,
      ...(storeAt === incoming.updatedAt ? { ifBefore: storeAt } : {}),
    },
  };
}

/**
 * After a first write failed on the item `current`: the write the table
 * still calls for, if any. Only B6 can need one — another writer got in
 * between, or the backend holds a version older than `base` — and its
 * guard is B6 itself, so if this one fails too, the item it returns names
 * an outcome that writes nothing: at most two writes, never a loop.
 */
export function secondWrite(
  current: StoredVersion | undefined,
  incoming: IncomingVersion,
  clock: DecisionClock,
): WriteAttempt | null {
  const decision = decidePush(current, incoming, clock);
  if (!writes(decision.status)) return null;
  const ifMissing = incoming.base === null || !isPastRetention(incoming.base, clock);
  return {
    storeAt: decision.updatedAt,
    guard: { ifMissing, contentHash: incoming.contentHash, ifBefore: incoming.updatedAt },
  };
}

/**
 * A version's outcome after a failed second write: B6 without `base`, since
 * the second write's guard was B6 alone (B4 had its chance in the first).
 */
export function decideAfterSecondWrite(
  current: StoredVersion | undefined,
  incoming: IncomingVersion,
  clock: DecisionClock,
): Decision {
  return decidePush(current, { ...incoming, base: null }, clock);
}

/** Where a version edited from `base` is stored: its own effective stamp, or just past `base` if that is later. */
function stampFor({ updatedAt, base }: IncomingVersion): number {
  return base === null ? updatedAt : Math.max(updatedAt, base + 1);
}

function sameContent(current: StoredVersion, incoming: IncomingVersion): boolean {
  return current.contentHash !== undefined && current.contentHash === incoming.contentHash;
}

/** A version this old may have been deleted and its tombstone purged since. */
function isPastRetention(updatedAt: number, { now, tombstoneRetentionMs }: DecisionClock): boolean {
  return updatedAt < now - tombstoneRetentionMs;
}

/** The earliest effective `updatedAt`: a clock decades ahead cannot store a date before 2000. */
export const MIN_EFFECTIVE_UPDATED_AT = MIN_TIMESTAMP_MS + 1;

/**
 * Clock-skew correction. The device stamped `updatedAt` with its own clock
 * and sent `clientTime` from the same clock; the gap between the server's
 * receive time and `clientTime` is that clock's offset (plus the network
 * latency, which only ever makes a device version look slightly newer). The
 * result is clamped to the server's now (a device cannot win the future)
 * and from below to the year 2000 (nor store the distant past).
 */
export function effectiveUpdatedAt(deviceUpdatedAt: number, clientTime: number, serverReceiveTime: number): number {
  const corrected = deviceUpdatedAt + (serverReceiveTime - clientTime);
  return Math.max(MIN_EFFECTIVE_UPDATED_AT, Math.min(corrected, serverReceiveTime));
}

/**
 * Web writes always win: stamped with the server clock, or one millisecond
 * past the version they replace when that one is ahead of it.
 */
export function webStamp(serverNow: number, current: StoredVersion | undefined): number {
  return current === undefined ? serverNow : Math.max(serverNow, current.updatedAt + 1);
}
