// The Main App (web) records API. Web writes always win: each is stamped
// max(serverNow, current + 1) and written conditionally; if another writer
// got in between, DynamoDB hands back its version and we stamp past it. A
// PUT of the content the backend already holds writes nothing (a retry after
// a lost response must not make a second version).

import type { RecordFields } from '../../protocol/fields.ts';
import type { CollectionName, SyncedRecord } from '../../protocol/records.ts';
import type { ListQuery } from '../../protocol/requests.ts';
import type { ListResponse } from '../../protocol/responses.ts';
import { WorkBudget } from '../core/budgets.ts';
import { contentHash, TOMBSTONE_HASH } from '../core/content-hash.ts';
import { decodeCursor, encodeCursor } from '../core/cursor.ts';
import { badCursor, DomainError } from '../core/errors.ts';
import { type ListPosition, listPosition } from '../core/feed.ts';
import { webWriter, writerKey } from '../core/identity.ts';
import { type StoredVersion, webStamp } from '../core/reconcile.ts';
import {
  type NewVersion,
  type RecordItem,
  storedVersion,
  toSyncedRecord,
  type WriteRule,
} from '../store/records-store.ts';
import type { ServiceContext } from './context.ts';
import { readCollection } from './paging.ts';

/** Conditional attempts before a hot record answers 503 (retry is safe). */
const MAX_WEB_ATTEMPTS = 5;

type WebWrite =
  | { written: true; previous: RecordItem | undefined; record: SyncedRecord }
  | { written: false; current: RecordItem | undefined };

const sameContent = (item: RecordItem, hash: string) => !item.deleted && item.contentSha256 === hash;

/** Writes `change` as the caller's web user, stamped past whatever it finds, retrying if a writer gets in between. */
async function writeAsWeb(
  context: ServiceContext,
  collection: CollectionName,
  id: string,
  change: Pick<NewVersion, 'deleted' | 'fields'>,
  rule: WriteRule,
): Promise<WebWrite> {
  const { caller } = context;
  const writer = writerKey(webWriter(caller.userId));
  const hash = change.deleted ? TOMBSTONE_HASH : contentHash(change.fields ?? {});
  let seen: StoredVersion | undefined;
  for (let attempt = 0; attempt < MAX_WEB_ATTEMPTS; attempt++) {
    const version = { ...change, updatedAt: webStamp(context.now(), seen), writer, contentHash: hash };
    const outcome = await context.records.write(caller.accountId, collection, id, version, rule);
    if (outcome.written) return { written: true, previous: outcome.previous, record: toSyncedRecord(outcome.item) };
    // Not written: a tombstone or a missing record (final); this very content
    // already (final: nothing to write); or a version at or past our stamp
    // (stamp past it and try again).
    const { current } = outcome;
    if (current === undefined || current.deleted || sameContent(current, hash)) return outcome;
    seen = storedVersion(current);
  }
  throw new DomainError('SERVICE_UNAVAILABLE', 'the record is being written too often; retry shortly', {
    retryAfterSeconds: 1,
  });
}

const gone = (record: SyncedRecord | undefined) =>
  new DomainError('GONE', 'the record was deleted', record ? { record } : {});

export async function putWebRecord(
  context: ServiceContext,
  collection: CollectionName,
  id: string,
  fields: RecordFields,
): Promise<{ created: boolean; record: SyncedRecord }> {
  const outcome = await writeAsWeb(context, collection, id, { deleted: false, fields }, 'web-put');
  if (outcome.written) return { created: outcome.previous === undefined, record: outcome.record };
  if (outcome.current !== undefined && !outcome.current.deleted) {
    return { created: false, record: toSyncedRecord(outcome.current) }; // the same content: nothing written
  }
  throw gone(outcome.current && toSyncedRecord(outcome.current));
}

export async function deleteWebRecord(context: ServiceContext, collection: CollectionName, id: string): Promise<void> {
  const outcome = await writeAsWeb(context, collection, id, { deleted: true }, 'web-delete');
  if (!outcome.written && outcome.current === undefined) throw new DomainError('NOT_FOUND', 'no such record');
  // Written, or already a tombstone: deleting twice is still deleted.
}

export async function getWebRecord(
  context: ServiceContext,
  collection: CollectionName,
  id: string,
): Promise<SyncedRecord> {
  const item = await context.records.get(context.caller.accountId, collection, id);
  if (item === undefined) throw new DomainError('NOT_FOUND', 'no such record');
  if (item.deleted) throw gone(toSyncedRecord(item));
  return toSyncedRecord(item);
}

/**
 * A page of live records in id order, within the response's budget and
 * bounded work (a page may be short), limited to ids `from` ≤ id < `to` when
 * given. A cursor is valid only for the collection and the range it was
 * issued for: anything else is BAD_CURSOR, not a silent switch of listing.
 */
export async function listWebRecords(
  context: ServiceContext,
  collection: CollectionName,
  query: ListQuery,
): Promise<ListResponse> {
  const { accountId } = context.caller;
  const { limit, cursor, from, to } = query;
  const position =
    cursor === undefined ? undefined : decodeCursor(context.cursorKey(), accountId, 'list', listPosition, cursor);
  if (position !== undefined && (position.collection !== collection || position.from !== from || position.to !== to)) {
    throw badCursor();
  }
  const range = { from: from ?? null, to: to ?? null };
  const page = await readCollection(
    (after, n) => context.records.readLive(accountId, collection, range, after, n),
    position?.key,
    { limit, bytes: context.pageBudget(), work: new WorkBudget() },
    { inFeed: false, filtered: true },
  );
  const next: ListPosition | null =
    page.done || page.key === undefined
      ? null
      : { collection, key: page.key, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
  return {
    records: page.records as ListResponse['records'],
    cursor: next ? encodeCursor(context.cursorKey(), accountId, 'list', next) : null,
  };
}
