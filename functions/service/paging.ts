// Reading one collection a page at a time within a response's budgets: the
// caller's record limit, the bytes the response may still carry (each
// record's escaped size, counted as it is added, so one query cannot
// overshoot), and the work the request may still do. Shared by Sync Now's
// pull and the web list.
import { type CollectionName, collectionNames, type SyncedRecord } from '../../protocol/records.ts';
import type { PageBudget, WorkBudget } from '../core/budgets.ts';
import type { KeyPosition } from '../core/feed.ts';
import type { Page } from '../store/records-store.ts';
import { positionAfter, type RecordItem, toSyncedRecord } from '../store/records-store.ts';

export type Read = (after: KeyPosition | undefined, limit: number) => Promise<Page>;

export type Bounds = { limit: number; bytes: PageBudget; work: WorkBudget };

export type CollectionPage = {
  records: SyncedRecord[];
  /** Where the next page starts in this collection; undefined with `done`. */
  key: KeyPosition | undefined;
  /** The collection is read to its end. */
  done: boolean;
};

/** Items DynamoDB is asked for when a filter (tombstones) may drop many: enough to make progress, no more. */
const FILTERED_READ_FLOOR = 100;

/**
 * Reads records from `start` until the collection ends or a bound is hit.
 * `skip` drops an item without returning it (it still counts as read).
 */
export async function readCollection(
  read: Read,
  start: KeyPosition | undefined,
  bounds: Bounds,
  options: { inFeed: boolean; filtered: boolean; skip?: (item: RecordItem) => boolean },
): Promise<CollectionPage> {
  const records: SyncedRecord[] = [];
  let key = start;
  while (bounds.limit - records.length > 0 && !bounds.work.exhausted) {
    const wanted = bounds.limit - records.length;
    const page = await read(
      key,
      Math.min(bounds.work.itemsLeft, options.filtered ? Math.max(wanted, FILTERED_READ_FLOOR) : wanted),
    );
    bounds.work.spend(page.evaluated);
    for (const item of page.items) {
      if (options.skip?.(item)) {
        key = positionAfter(item, options.inFeed);
        continue;
      }
      const record = toSyncedRecord(item);
      if (records.length >= bounds.limit || !bounds.bytes.take(record)) {
        return { records, key, done: false }; // full: the next page starts at this item
      }
      records.push(record);
      key = positionAfter(item, options.inFeed);
    }
    if (page.next === undefined) return { records, key: undefined, done: true };
    key = page.next;
  }
  return { records, key, done: false };
}

export function emptyChanges(): Record<CollectionName, SyncedRecord[]> {
  return Object.fromEntries(collectionNames.map((c) => [c, []])) as unknown as Record<CollectionName, SyncedRecord[]>;
}
