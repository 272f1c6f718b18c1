// Where a Sync Now pass stands, and how it moves — pure, so every transition
// is a table-driven test (test/unit/feed.test.ts). The reasoning behind the
// lookback window is in service/pull.ts.
import * as z from 'zod';

/** Where a read stands inside one collection: the last key it returned. */
export const keyPosition = z.object({ id: z.string(), changedAt: z.number().optional() });
export type KeyPosition = z.infer<typeof keyPosition>;

/**
 * A record this pass still owes the device: [collection, id] (a pushed
 * version it beat), and for a version that may have been deleted and purged
 * (B5) the stamp of the tombstone to deliver if the backend holds nothing.
 */
const owed = z.union([z.tuple([z.string(), z.string()]), z.tuple([z.string(), z.string(), z.number()])]);
export type Owed = z.infer<typeof owed>;

/** One string per owed record, for sets: a record is owed at most once per pass. */
export const owedKey = ([collection, id]: Owed | [string, string]): string => `${collection}\u0000${id}`;

/**
 * Sync Now position. Collections are named, never numbered: a collection
 * added to (or moved in) the registry cannot redirect a cursor a device
 * already holds.
 * - `since`: feed lower bound (server-clock ms, inclusive); null while the
 *   pass is a snapshot (first sync, or a reset).
 * - `start`: server time this pass started; when it ends, the next pass
 *   reads from `start` minus the lookback window.
 * - `done`: the collections this pass has read to their end.
 * - `col` / `key`: the collection being read and the last key returned in it.
 * - `reset`: this snapshot pass is a reset of an expired cursor.
 * - `owed`: backend versions that beat this pass's pushes and have not been
 *   delivered yet; the pass does not end before they are.
 * Between passes only `since` is set.
 */
const position = z.strictObject({
  since: z.number().nullable(),
  start: z.number().optional(),
  done: z.array(z.string()).optional(),
  col: z.string().optional(),
  key: keyPosition.optional(),
  reset: z.boolean().optional(),
  owed: z.array(owed).optional(),
});
export type SyncPosition = z.infer<typeof position>;

/**
 * The order cursors issued before collections were named numbered them in
 * (`col` and `owed` held indexes into it). Frozen: it reads those cursors,
 * whatever the registry holds now.
 */
export const NUMBERED_COLLECTIONS = ['products', 'customers', 'orders'] as const;

/** A position as cursors issued before collections were named wrote it. */
const numberedPosition = z
  .strictObject({
    since: z.number().nullable(),
    start: z.number().optional(),
    col: z.number().int().min(0).max(NUMBERED_COLLECTIONS.length).optional(),
    key: keyPosition.optional(),
    reset: z.boolean().optional(),
    owed: z
      .array(
        z.tuple([
          z
            .number()
            .int()
            .min(0)
            .max(NUMBERED_COLLECTIONS.length - 1),
          z.string(),
        ]),
      )
      .optional(),
  })
  .transform(({ col, key, owed, ...rest }): SyncPosition => {
    const reading = col === undefined ? undefined : NUMBERED_COLLECTIONS[col];
    return {
      ...rest,
      ...(col ? { done: NUMBERED_COLLECTIONS.slice(0, col) } : {}),
      ...(reading !== undefined && key !== undefined ? { col: reading, key } : {}),
      ...(owed ? { owed: owed.map(([c, id]): Owed => [NUMBERED_COLLECTIONS[c]!, id]) } : {}),
    };
  });

/** A Sync Now cursor's position: named, or numbered (read as the names it meant; a number out of range is no cursor of ours). */
export const syncPosition: z.ZodType<SyncPosition> = z.union([position, numberedPosition]);

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

/** Where a page starts reading: the first collection, in the registry's order, this pass has not finished. */
export function readingFrom<C extends string>(
  position: SyncPosition,
  collections: readonly C[],
): { collection: C; key: KeyPosition | undefined } | null {
  const done = new Set(position.done ?? []);
  const collection = collections.find((c) => !done.has(c));
  if (collection === undefined) return null;
  return { collection, key: position.col === collection ? position.key : undefined };
}

/**
 * Where the pass stands after a page that finished the collections in
 * `finished`, stopped inside `stoppedIn` (if it did) and still owes `owed`.
 */
export function advance(
  position: SyncPosition,
  finished: readonly string[],
  stoppedIn: { collection: string; key: KeyPosition | undefined } | null,
  owed: Owed[],
): SyncPosition {
  const { owed: _owed, col: _col, key: _key, done: _done, ...rest } = position;
  const done = [...(position.done ?? []), ...finished];
  return {
    ...rest,
    ...(done.length > 0 ? { done } : {}),
    ...(stoppedIn?.key ? { col: stoppedIn.collection, key: stoppedIn.key } : {}),
    ...(owed.length > 0 ? { owed } : {}),
  };
}

/** A pass is complete once every registered collection is read and nothing is owed. */
export function isComplete(position: SyncPosition, collections: readonly string[]): boolean {
  const done = new Set(position.done ?? []);
  return collections.every((c) => done.has(c)) && (position.owed ?? []).length === 0;
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
