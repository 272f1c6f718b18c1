// Where a Sync Now pass stands, and how it moves — pure, so every transition
// is a table-driven test (test/unit/feed.test.ts). The reasoning behind the
// lookback window is in service/pull.ts.
import * as z from 'zod';

/** Where a read stands inside one collection: the last key it returned. */
export const keyPosition = z.object({ id: z.string(), changedAt: z.number().optional() });
export type KeyPosition = z.infer<typeof keyPosition>;

/** A record this pass still owes the device: [collection index, id] (a pushed version it beat). */
const owed = z.tuple([z.number().int().min(0), z.string()]);
export type Owed = z.infer<typeof owed>;

/** One string per owed record, for sets: a record is owed at most once per pass. */
export const owedKey = ([collection, id]: Owed): string => `${collection}\u0000${id}`;

/**
 * Sync Now position.
 * - `since`: feed lower bound (server-clock ms, inclusive); null while the
 *   pass is a snapshot (first sync, or a reset).
 * - `start`: server time this pass started; when it ends, the next pass
 *   reads from `start` minus the lookback window.
 * - `col` / `key`: the collection being read and the last key returned in it.
 * - `reset`: this snapshot pass is a reset of an expired cursor.
 * - `owed`: backend versions that beat this pass's pushes and have not been
 *   delivered yet; the pass does not end before they are.
 * Between passes only `since` is set.
 */
export const syncPosition = z.object({
  since: z.number().nullable(),
  start: z.number().optional(),
  col: z.number().int().min(0).optional(),
  key: keyPosition.optional(),
  reset: z.boolean().optional(),
  owed: z.array(owed).optional(),
});
export type SyncPosition = z.infer<typeof syncPosition>;

/**
 * Web list position inside one collection, and the id range the listing was
 * asked for (absent: unbounded), so the cursor continues that listing only.
 */
export const listPosition = z.object({
  collection: z.string(),
  key: keyPosition,
  from: z.string().optional(),
  to: z.string().optional(),
});
export type ListPosition = z.infer<typeof listPosition>;

export type FeedConfig = { lookbackMs: number; tombstoneRetentionMs: number };

/**
 * Where this request's page starts: a new pass (from no cursor or a finished
 * one), a reset (the cursor predates tombstone retention, so tombstones it
 * would need may be gone: a full snapshot instead), or the middle of a pass.
 */
export function startPosition(previous: SyncPosition | null, now: number, config: FeedConfig): SyncPosition {
  if (previous === null) return { since: null, start: now };
  // Older than tombstone retention — between passes or in the middle of one —
  // deletions it would need may be gone: a full snapshot instead.
  if (previous.since !== null && previous.since < now - config.tombstoneRetentionMs) {
    return { since: null, start: now, reset: true };
  }
  if (previous.start !== undefined) return previous; // mid-pass
  return { since: previous.since, start: now };
}

/** Where the pass stands after a page that read up to (`col`, `key`) and still owes `owed`. */
export function advance(position: SyncPosition, col: number, key: KeyPosition | undefined, owed: Owed[]): SyncPosition {
  const { owed: _owed, col: _col, key: _key, ...rest } = position;
  return { ...rest, col, ...(key ? { key } : {}), ...(owed.length > 0 ? { owed } : {}) };
}

/** A pass is complete once every collection is read and nothing is owed. */
export function isComplete(position: SyncPosition, collections: number): boolean {
  return (position.col ?? 0) >= collections && (position.owed ?? []).length === 0;
}

/**
 * The position a completed pass hands out: the next pass reads the feed from
 * the pass's start less the lookback window (never earlier than this pass did).
 */
export function nextPass(position: SyncPosition, passStart: number, lookbackMs: number): SyncPosition {
  return { since: Math.max(passStart - lookbackMs, position.since ?? 0) };
}

/** A version this request itself just wrote: not echoed back to the device that sent it. */
export function isEcho(updatedAt: number, justWritten: Map<string, number> | undefined, id: string): boolean {
  return justWritten?.get(id) === updatedAt;
}
