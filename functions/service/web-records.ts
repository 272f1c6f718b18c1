// The Main App (web) records API (docs/protocol.md, "The Main App records API"). Web writes always win: each is
// stamped max(serverNow, current + 1) and written conditionally; if another
// writer got in between, DynamoDB hands back its version and we stamp past it.
import type { CollectionName, RecordFields, SyncedRecord } from '../core/collections.ts';
import { BadCursorError, decodeCursor, encodeCursor, type ListPosition, listPosition } from '../core/cursor.ts';
import { webStamp } from '../core/reconcile.ts';
import type { Deps } from '../deps.ts';
import { HttpError } from '../http/errors.ts';
import { type NewVersion, type RecordItem, toSyncedRecord, type WriteRule } from '../store/records-store.ts';
import { MAX_PAGE_BYTES } from './pull.ts';

/** Conditional attempts before a hot record answers 503 (retry is safe). */
const MAX_WEB_ATTEMPTS = 5;

type WebWrite =
  | { written: true; previous: RecordItem | undefined; record: SyncedRecord }
  | { written: false; current: RecordItem | undefined };

async function writeAsWeb(
  deps: Deps,
  accountId: string,
  collection: CollectionName,
  id: string,
  version: (updatedAt: number) => NewVersion,
  rule: WriteRule,
): Promise<WebWrite> {
  let seen: RecordItem | undefined;
  for (let attempt = 0; attempt < MAX_WEB_ATTEMPTS; attempt++) {
    const outcome = await deps.records.write(accountId, collection, id, version(webStamp(deps.now(), seen)), rule);
    if (outcome.written) return { written: true, previous: outcome.previous, record: toSyncedRecord(outcome.item) };
    // Lost: to a tombstone or a missing record (final), or to a version at or
    // past our stamp (stamp past it and try again).
    if (outcome.current === undefined || outcome.current.deleted) return outcome;
    seen = outcome.current;
  }
  throw new HttpError('SERVICE_UNAVAILABLE', 'the record is being written too often; retry shortly', {
    headers: { 'Retry-After': '1' },
  });
}

const gone = (record: SyncedRecord | undefined) =>
  new HttpError('GONE', 'the record was deleted', record ? { body: { record } } : {});

export async function putWebRecord(
  deps: Deps,
  accountId: string,
  userId: string,
  collection: CollectionName,
  id: string,
  fields: RecordFields,
) {
  const outcome = await writeAsWeb(
    deps,
    accountId,
    collection,
    id,
    (updatedAt) => ({ updatedAt, deleted: false, writer: `web:${userId}`, fields }),
    'web-put',
  );
  if (!outcome.written) throw gone(outcome.current && toSyncedRecord(outcome.current));
  return { created: outcome.previous === undefined, record: outcome.record };
}

export async function deleteWebRecord(
  deps: Deps,
  accountId: string,
  userId: string,
  collection: CollectionName,
  id: string,
): Promise<void> {
  const outcome = await writeAsWeb(
    deps,
    accountId,
    collection,
    id,
    (updatedAt) => ({ updatedAt, deleted: true, writer: `web:${userId}` }),
    'web-delete',
  );
  if (!outcome.written && outcome.current === undefined) throw new HttpError('NOT_FOUND', 'no such record');
  // Written, or already a tombstone: deleting twice is still deleted.
}

export async function getWebRecord(
  deps: Deps,
  accountId: string,
  collection: CollectionName,
  id: string,
): Promise<SyncedRecord> {
  const item = await deps.records.get(accountId, collection, id);
  if (item === undefined) throw new HttpError('NOT_FOUND', 'no such record');
  if (item.deleted) throw gone(toSyncedRecord(item));
  return toSyncedRecord(item);
}

export async function listWebRecords(
  deps: Deps,
  accountId: string,
  collection: CollectionName,
  limit: number,
  cursor: string | null,
) {
  const { cursorSecret } = deps.config;
  const position = cursor === null ? undefined : decodeCursor(cursorSecret, accountId, 'list', listPosition, cursor);
  if (position !== undefined && position.collection !== collection) throw new BadCursorError();
  let key = position?.key;
  const records: SyncedRecord[] = [];
  let bytes = 0;
  let more = true;
  while (records.length < limit && bytes < MAX_PAGE_BYTES && more) {
    const page = await deps.records.readLive(accountId, collection, key, limit - records.length);
    for (const item of page.items) {
      const record = toSyncedRecord(item);
      records.push(record);
      bytes += Buffer.byteLength(JSON.stringify(record));
    }
    key = page.next;
    more = page.next !== undefined;
  }
  const next: ListPosition | null = more && key ? { collection, key } : null;
  return { records, cursor: next ? encodeCursor(cursorSecret, accountId, 'list', next) : null };
}
