// The pull half of Sync Now: pages of changes after a cursor.
//
// Why the cursor cannot miss a change
// -----------------------------------
// Every write stamps `changedAt` from the server clock just before its
// PutItem (store/records-store.ts). Call L the lookback window: longer than
// a write can take from that stamp to being visible in the feed index
// (SDK retries inside a Lambda's timeout, plus index lag). So:
//
//   a version stamped at c is visible in the feed by c + L.
//
// A pass is a run of pages from one cursor to `hasMore: false`. A pass that
// starts at P hands out, at its end, a cursor whose lower bound is P − L.
//
//        c1 (stamped)                  c1 + L: visible
//   ──────|────────────────────────────|────────── time
//                      P − L      P (pass starts reading)
//
//   - c < P − L: visible before P, so this pass reads it (or a newer version
//     of the same record, which supersedes it).
//   - c ≥ P − L: the next pass reads from P − L, so it reads it then.
//
// Writes that commit out of order across Lambdas, or that the index shows
// late, are therefore delivered by the next Sync Now at the latest. The price
// is redelivery of what changed in the last L before each pass, which
// clients tolerate (applying a version they hold is a no-op). Client
// `updatedAt` values never enter the cursor: an edit made offline last week
// and pushed today is stamped today.
//
// A first sync (cursor null) and a reset read the base table instead of the
// feed: a strongly consistent snapshot of live records, no tombstones. The
// same argument holds with "visible" meaning "committed".
import { type CollectionName, collectionNames, type SyncedRecord } from '../core/collections.ts';
import { decodeCursor, encodeCursor, type SyncPosition, syncPosition } from '../core/cursor.ts';
import type { Deps } from '../deps.ts';
import { type RecordItem, toSyncedRecord } from '../store/records-store.ts';

/**
 * A page stops growing after this many bytes of records, whatever `limit`
 * says, so it fits a Lambda response (6 MB). One query reads at most 1 MB,
 * so a page ends below 4 MiB + 1 MB.
 */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;

export type PullPage = {
  changes: Record<CollectionName, SyncedRecord[]>;
  cursor: string;
  hasMore: boolean;
  reset: boolean;
  /** This page ended a pass. */
  complete: boolean;
  /** When the pass that this page belongs to started: the device holds every change before it (less the lookback caveat). */
  passStart: number;
};

/** Versions this request just wrote, by collection and id: not echoed back. */
export type JustWritten = Partial<Record<CollectionName, Map<string, number>>>;

/**
 * Reads the request's cursor and decides where this page starts. Called
 * before the push half of Sync Now, so a bad cursor rejects the request
 * before anything is written.
 */
export function openCursor(deps: Deps, accountId: string, cursor: string | null): SyncPosition {
  const previous =
    cursor === null ? null : decodeCursor(deps.config.cursorSecret, accountId, 'sync', syncPosition, cursor);
  return startPosition(previous, deps.now(), deps);
}

/**
 * One page of changes from `position`. `winners` (the backend versions that
 * beat this request's pushes) ride along whatever the cursor says.
 */
export async function pullPage(
  deps: Deps,
  accountId: string,
  position: SyncPosition,
  limit: number,
  justWritten: JustWritten,
  winners: Partial<Record<CollectionName, SyncedRecord[]>>,
): Promise<PullPage> {
  const { config } = deps;
  const changes = Object.fromEntries(collectionNames.map((c) => [c, [] as SyncedRecord[]])) as PullPage['changes'];
  let budget = limit;
  let bytes = 0;
  let col = position.col ?? 0;
  let key = position.key;

  while (col < collectionNames.length && budget > 0 && bytes < MAX_PAGE_BYTES) {
    const collection = collectionNames[col]!;
    const page =
      position.since === null
        ? await deps.records.readLive(accountId, collection, key, budget)
        : await deps.records.readFeed(accountId, collection, position.since, key, budget);
    budget -= page.items.length;
    for (const item of page.items) {
      if (isEcho(item, justWritten[collection])) continue;
      const record = toSyncedRecord(item);
      changes[collection].push(record);
      bytes += Buffer.byteLength(JSON.stringify(record));
    }
    if (page.next) {
      key = page.next;
    } else {
      col += 1;
      key = undefined;
    }
  }

  for (const collection of collectionNames) {
    const pulled = new Set(changes[collection].map((r) => r.id));
    changes[collection].push(...(winners[collection] ?? []).filter((r) => !pulled.has(r.id)));
  }

  const complete = col >= collectionNames.length;
  const passStart = position.start ?? deps.now();
  const next: SyncPosition = complete
    ? { since: Math.max(passStart - config.lookbackMs, position.since ?? 0) }
    : { ...position, col, key };
  return {
    changes,
    cursor: encodeCursor(config.cursorSecret, accountId, 'sync', next),
    hasMore: !complete,
    reset: position.reset === true,
    complete,
    passStart,
  };
}

/**
 * Where this page starts: a new pass (from null or a finished cursor), a
 * reset (the cursor predates tombstone retention: tombstones it would need
 * may be gone), or the middle of a pass.
 */
function startPosition(previous: SyncPosition | null, now: number, { config }: Deps): SyncPosition {
  if (previous === null) return { since: null, start: now };
  if (previous.since !== null && previous.since < now - config.tombstoneRetentionMs) {
    return { since: null, start: now, reset: true };
  }
  if (previous.start === undefined) return { since: previous.since, start: now };
  return previous;
}

function isEcho(item: RecordItem, written: Map<string, number> | undefined): boolean {
  return written?.get(item.id) === item.updatedAt;
}
