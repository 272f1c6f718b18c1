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
//
// Within a pass, the page also delivers the backend versions that beat this
// pass's pushes (`stale`/`deleted` winners): first the ones still owed from
// earlier pages, then this request's, as far as the page's byte budget
// allows; what does not fit is owed in the cursor and fetched on the next
// page. A pass does not end while it owes anything.
import { type CollectionName, collectionNames, isCollectionName, type SyncedRecord } from '../../protocol/records.ts';
import { type PageBudget, WorkBudget } from '../core/budgets.ts';
import {
  advance,
  isComplete,
  isEcho,
  type KeyPosition,
  type Owed,
  owedKey,
  readingFrom,
  type SyncPosition,
} from '../core/feed.ts';
import { everyId, toSyncedRecord } from '../store/records-store.ts';
import type { ServiceContext } from './context.ts';
import { emptyChanges, readCollection } from './paging.ts';

/** Versions this request just wrote, by collection and id: not echoed back. */
export type JustWritten = Partial<Record<CollectionName, Map<string, number>>>;

/** A backend version that beat one of this request's pushes (a tombstone in place of a purged one). */
export type Winner = { collection: CollectionName; record: SyncedRecord };

export type PullPage = {
  changes: Record<CollectionName, SyncedRecord[]>;
  /** Where the pass stands after this page. */
  position: SyncPosition;
  /** This page ended the pass. */
  complete: boolean;
};

/** Owed records fetched per request round trip (BatchGetItem's maximum). */
const OWED_BATCH = 100;

/**
 * One page of changes from `position`: owed winners first, then the feed (or
 * the snapshot), within `limit` records (winners not counted), `bytes` of
 * response and the request's bounded work.
 */
export async function pullPage(
  context: ServiceContext,
  position: SyncPosition,
  limit: number,
  bytes: PageBudget,
  pushed: { justWritten: JustWritten; winners: Winner[] },
): Promise<PullPage> {
  const { accountId } = context.caller;
  const changes = emptyChanges();
  const delivered = new Set<string>();
  /** Adds a record once per page; `paid`: its bytes are already taken from the budget. */
  const deliver = (collection: CollectionName, record: SyncedRecord, paid = false): boolean => {
    const key = owedKey([collection, record.id]);
    if (delivered.has(key)) return true;
    if (!paid && !bytes.take(record)) return false;
    delivered.add(key);
    changes[collection].push(record);
    return true;
  };

  // 1. What this pass owes: earlier pages' leftovers (fetched), then this request's winners (in hand).
  const owed: Owed[] = [];
  let full = false;
  const earlier = position.owed ?? [];
  for (let i = 0; i < earlier.length; i += OWED_BATCH) {
    const batch = earlier.slice(i, i + OWED_BATCH);
    if (full) {
      owed.push(...batch);
      continue;
    }
    // A collection no longer registered has nothing left to deliver.
    const refs = batch.flatMap(([collection, id]) => (isCollectionName(collection) ? [{ collection, id }] : []));
    const purgedAt = new Map(batch.map(([collection, id, at]) => [owedKey([collection, id]), at]));
    for (const { ref, item } of await context.records.getMany(accountId, refs)) {
      const at = purgedAt.get(owedKey([ref.collection, ref.id]));
      // Gone altogether (a tombstone past retention): the tombstone the pass promised, or nothing.
      const record: SyncedRecord | undefined =
        item !== undefined
          ? toSyncedRecord(item)
          : at !== undefined
            ? { id: ref.id, updatedAt: at, deleted: true, updatedBy: null }
            : undefined;
      if (record === undefined) continue;
      if (full || !deliver(ref.collection, record)) {
        full = true;
        owed.push(owing(ref.collection, record));
      }
    }
  }
  // Owed once per record: a resumed pass that pushes the same pending rows again adds nothing.
  const owedAlready = new Set([...earlier, ...owed].map(owedKey));
  for (const { collection, record } of pushed.winners) {
    const entry = owing(collection, record);
    if (owedAlready.has(owedKey(entry))) continue;
    if (full || !deliver(collection, record)) {
      full = true;
      owed.push(entry);
    }
  }

  // 2. The feed (or the snapshot), collection by collection, from where the pass stands.
  const work = new WorkBudget();
  const finished: CollectionName[] = [];
  let reading = readingFrom(position, collectionNames);
  let taken = 0;
  while (!full && reading !== null && taken < limit && !work.exhausted) {
    const { collection } = reading;
    const written = pushed.justWritten[collection];
    const read =
      position.since === null
        ? (after: KeyPosition | undefined, n: number) =>
            context.records.readLive(accountId, collection, everyId, after, n)
        : (after: KeyPosition | undefined, n: number) =>
            context.records.readFeed(accountId, collection, position.since!, after, n);
    const page = await readCollection(
      read,
      reading.key,
      { limit: limit - taken, bytes, work },
      {
        inFeed: position.since !== null,
        filtered: position.since === null,
        skip: (item) => isEcho(item.updatedAt, written, item.id),
      },
    );
    for (const record of page.records) deliver(collection, record, true);
    taken += page.records.length;
    if (!page.done) {
      reading = { collection, key: page.key };
      break;
    }
    finished.push(collection);
    reading = readingFrom({ ...position, done: [...(position.done ?? []), ...finished] }, collectionNames);
  }

  const next = advance(position, finished, reading, owed);
  return { changes, position: next, complete: isComplete(next, collectionNames) };
}

/** What the cursor keeps of a record still owed: its key, and the stamp of a tombstone the backend no longer holds. */
function owing(collection: CollectionName, record: SyncedRecord): Owed {
  return record.deleted && record.updatedBy === null
    ? [collection, record.id, record.updatedAt]
    : [collection, record.id];
}
