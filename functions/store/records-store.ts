// Records table access. Every write is one conditional PutItem; the store
// never decides who wins, it only states the rule as a condition and hands
// back what DynamoDB saw (the old item on success and on failure). Reads
// report how many items DynamoDB evaluated, so a caller can bound its work.
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import type { RecordFields } from '../../protocol/fields.ts';
import type { CollectionName, SyncedRecord } from '../../protocol/records.ts';
import type { KeyPosition } from '../core/feed.ts';
import { writerFromKey } from '../core/identity.ts';
import type { Version } from '../core/verify.ts';
import { isConditionalCheckFailed } from './client.ts';
import { FEED_INDEX } from './tables.ts';

const recordItem = z.object({
  pk: z.string(),
  id: z.string(),
  updatedAt: z.number(),
  deleted: z.boolean(),
  changedAt: z.number(),
  /** core/identity.ts `writerKey`. */
  writer: z.string(),
  clientUpdatedAt: z.number().optional(),
  contentHash: z.string().optional(),
  expiresAt: z.number().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
/** One record as stored, with its sync metadata. */
export type RecordItem = z.infer<typeof recordItem>;
const versionItem = recordItem.pick({ id: true, updatedAt: true, deleted: true });

/** A version to store. `changedAt` is stamped by the store just before the write. */
export type NewVersion = {
  updatedAt: number;
  deleted: boolean;
  writer: string;
  clientUpdatedAt?: number | undefined;
  contentHash?: string | undefined;
  fields?: RecordFields | undefined;
};

/**
 * Which rule guards the write (see `conditionFor`):
 * - `device-push`: the device rules (decidePush in core/reconcile.ts);
 * - `web-put`: a web write lands unless the record is a tombstone or someone
 *   wrote a version at or past the stamp since we chose it;
 * - `web-delete`: as web-put, and the record must exist.
 */
export type WriteRule = 'device-push' | 'web-put' | 'web-delete';

export type WriteOutcome =
  | { written: true; previous: RecordItem | undefined; item: RecordItem }
  | { written: false; current: RecordItem | undefined };

/** Items in key order, and how many DynamoDB evaluated to find them (filtered ones included). */
export type Page<T = RecordItem> = { items: T[]; evaluated: number; next: KeyPosition | undefined };

/** Ids `from` ≤ id < `to` of one collection; null is unbounded. */
export type IdRange = { from: string | null; to: string | null };
export const everyId: IdRange = { from: null, to: null };

export type RecordRef = { collection: CollectionName; id: string };

export interface RecordsStore {
  write(
    accountId: string,
    collection: CollectionName,
    id: string,
    version: NewVersion,
    rule: WriteRule,
  ): Promise<WriteOutcome>;
  get(accountId: string, collection: CollectionName, id: string): Promise<RecordItem | undefined>;
  /** The current versions of up to 100 records, strongly consistent (records a pass still owes). */
  getMany(accountId: string, refs: RecordRef[]): Promise<{ ref: RecordRef; item: RecordItem | undefined }[]>;
  /** Live records of `range` in id order, strongly consistent (snapshots and the web list). */
  readLive(
    accountId: string,
    collection: CollectionName,
    range: IdRange,
    after: KeyPosition | undefined,
    limit: number,
  ): Promise<Page>;
  /** Every version of `range` (tombstones too), id, updatedAt and deleted only, in id order, strongly consistent (verify). */
  readVersions(
    accountId: string,
    collection: CollectionName,
    range: IdRange,
    after: KeyPosition | undefined,
    limit: number,
  ): Promise<Page<Version>>;
  /** Every version (live and tombstones) with changedAt ≥ since, in changedAt order. */
  readFeed(
    accountId: string,
    collection: CollectionName,
    since: number,
    after: KeyPosition | undefined,
    limit: number,
  ): Promise<Page>;
  latestChangeAt(accountId: string, collection: CollectionName): Promise<number | null>;
  /** Records whose current version was written after `since` by someone other than `writer`. */
  countChangedSince(accountId: string, collection: CollectionName, since: number, writer: string): Promise<number>;
}

export type RecordsStoreOptions = {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Server clock, read just before each write. */
  now: () => number;
  tombstoneRetentionMs: number;
};

type Expression = {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
};

/**
 * The condition under which `version` may replace what is stored.
 * device-push is decidePush's "writes" branches, in DynamoDB's words:
 *   rule 3                  attribute_not_exists(pk)
 *   deletion is terminal    deleted = false
 *   2a, ties keep backend   updatedAt < :updatedAt
 *   retries are idempotent  NOT (writer = :writer AND clientUpdatedAt = :clientUpdatedAt AND contentHash = :contentHash)
 */
export function conditionFor(rule: WriteRule, version: NewVersion): Expression {
  const names = { '#pk': 'pk', '#deleted': 'deleted', '#updatedAt': 'updatedAt' };
  const values = { ':false': false, ':updatedAt': version.updatedAt };
  switch (rule) {
    case 'device-push':
      return {
        ConditionExpression:
          'attribute_not_exists(#pk) OR (#deleted = :false AND #updatedAt < :updatedAt' +
          ' AND NOT (#writer = :writer AND #clientUpdatedAt = :clientUpdatedAt AND #contentHash = :contentHash))',
        ExpressionAttributeNames: {
          ...names,
          '#writer': 'writer',
          '#clientUpdatedAt': 'clientUpdatedAt',
          '#contentHash': 'contentHash',
        },
        ExpressionAttributeValues: {
          ...values,
          ':writer': version.writer,
          ':clientUpdatedAt': version.clientUpdatedAt,
          ':contentHash': version.contentHash,
        },
      };
    case 'web-put':
      return {
        ConditionExpression: 'attribute_not_exists(#pk) OR (#deleted = :false AND #updatedAt < :updatedAt)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      };
    case 'web-delete':
      return {
        ConditionExpression: 'attribute_exists(#pk) AND #deleted = :false AND #updatedAt < :updatedAt',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      };
  }
}

/**
 * The key condition of a read of `range` in partition `pk`: the sort key
 * `id` bounded as the range says, or null when the range is empty (from ≥
 * to; DynamoDB refuses a BETWEEN whose bounds are the wrong way round).
 * BETWEEN includes its upper bound, so a reader drops an item whose id is
 * `to` (see `inRange`); the sort key cannot appear in a filter expression.
 */
export function idRangeCondition(
  pk: string,
  { from, to }: IdRange,
): {
  KeyConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
} | null {
  const names = { '#pk': 'pk', '#id': 'id' };
  if (from !== null && to !== null) {
    if (from >= to) return null; // ids are ASCII: JavaScript's order is DynamoDB's byte order
    return {
      KeyConditionExpression: '#pk = :pk AND #id BETWEEN :from AND :to',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
    };
  }
  if (from !== null) {
    return {
      KeyConditionExpression: '#pk = :pk AND #id >= :from',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':pk': pk, ':from': from },
    };
  }
  if (to !== null) {
    return {
      KeyConditionExpression: '#pk = :pk AND #id < :to',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':pk': pk, ':to': to },
    };
  }
  return {
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': 'pk' },
    ExpressionAttributeValues: { ':pk': pk },
  };
}

/** Is `id` inside the range's exclusive upper bound (the one BETWEEN lets through)? */
const inRange = (to: string | null) => (item: { id: string }) => to === null || item.id < to;

export function partitionKey(accountId: string, collection: CollectionName): string {
  return `${accountId}#${collection}`;
}

/** A record as the API returns it: its fields, or a tombstone, and who wrote that version. */
export function toSyncedRecord(item: RecordItem): SyncedRecord {
  const updatedBy = writerFromKey(item.writer);
  return item.deleted
    ? { id: item.id, updatedAt: item.updatedAt, deleted: true, updatedBy }
    : { id: item.id, updatedAt: item.updatedAt, ...item.data, updatedBy };
}

/** The position just after `item`, for continuing a read of the table (or, with changedAt, of the feed). */
export function positionAfter(item: RecordItem, inFeed: boolean): KeyPosition {
  return inFeed ? { id: item.id, changedAt: item.changedAt } : { id: item.id };
}

export function createRecordsStore({
  client,
  tableName,
  now,
  tombstoneRetentionMs,
}: RecordsStoreOptions): RecordsStore {
  const parseItem = (raw: Record<string, unknown> | undefined) =>
    raw === undefined ? undefined : recordItem.parse(raw);
  const parseItems = (raw: Record<string, unknown>[] | undefined) => (raw ?? []).map((i) => recordItem.parse(i));

  /**
   * One page of the items of `range` in id order, strongly consistent, from
   * `after`, each item parsed by `parse`: `extra` adds a filter or a
   * projection (its names and values merged with the key condition's). An
   * empty range reads nothing.
   */
  const queryIdRange = async <T extends { id: string }>(
    accountId: string,
    collection: CollectionName,
    range: IdRange,
    after: KeyPosition | undefined,
    limit: number,
    parse: (raw: Record<string, unknown>) => T,
    extra: {
      FilterExpression?: string;
      ProjectionExpression?: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    },
  ): Promise<Page<T>> => {
    const pk = partitionKey(accountId, collection);
    const key = idRangeCondition(pk, range);
    if (key === null) return { items: [], evaluated: 0, next: undefined };
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        ...key,
        ...extra,
        ExpressionAttributeNames: { ...key.ExpressionAttributeNames, ...extra.ExpressionAttributeNames },
        ExpressionAttributeValues: { ...key.ExpressionAttributeValues, ...extra.ExpressionAttributeValues },
        ConsistentRead: true,
        Limit: limit,
        ...(after ? { ExclusiveStartKey: { pk, id: after.id } } : {}),
      }),
    );
    return {
      items: (result.Items ?? []).map(parse).filter(inRange(range.to)),
      evaluated: result.ScannedCount ?? 0,
      next: keyPosition(result.LastEvaluatedKey),
    };
  };

  return {
    async write(accountId, collection, id, version, rule) {
      const changedAt = now(); // stamped as late as possible: see service/pull.ts on the lookback window
      const item: RecordItem = {
        pk: partitionKey(accountId, collection),
        id,
        updatedAt: version.updatedAt,
        deleted: version.deleted,
        changedAt,
        writer: version.writer,
        ...(version.clientUpdatedAt !== undefined ? { clientUpdatedAt: version.clientUpdatedAt } : {}),
        ...(version.contentHash !== undefined ? { contentHash: version.contentHash } : {}),
        ...(version.deleted
          ? { expiresAt: Math.ceil((changedAt + tombstoneRetentionMs) / 1000) }
          : { data: version.fields ?? {} }),
      };
      try {
        const result = await client.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ...conditionFor(rule, version),
            ReturnValues: 'ALL_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { written: true, previous: parseItem(result.Attributes), item };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // The losing side learns the winner from the failure itself: no read.
        return { written: false, current: parseItem(error.Item ? unmarshall(error.Item as never) : undefined) };
      }
    },

    async get(accountId, collection, id) {
      const result = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: partitionKey(accountId, collection), id },
          ConsistentRead: true,
        }),
      );
      return parseItem(result.Item);
    },

    async getMany(accountId, refs) {
      const found = new Map<string, RecordItem>();
      let keys: Record<string, unknown>[] = refs.map((r) => ({ pk: partitionKey(accountId, r.collection), id: r.id }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        const result = await client.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of parseItems(result.Responses?.[tableName])) found.set(`${item.pk}\u0000${item.id}`, item);
        keys = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
      return refs.map((ref) => ({ ref, item: found.get(`${partitionKey(accountId, ref.collection)}\u0000${ref.id}`) }));
    },

    async readLive(accountId, collection, range, after, limit) {
      return queryIdRange(accountId, collection, range, after, limit, (i) => recordItem.parse(i), {
        FilterExpression: '#deleted = :false',
        ExpressionAttributeNames: { '#deleted': 'deleted' },
        ExpressionAttributeValues: { ':false': false },
      });
    },

    async readVersions(accountId, collection, range, after, limit) {
      return queryIdRange(accountId, collection, range, after, limit, (i) => versionItem.parse(i), {
        // Just what a digest needs: the rest of each item stays on the server (the read costs the same).
        ProjectionExpression: '#id, #updatedAt, #deleted',
        ExpressionAttributeNames: { '#id': 'id', '#updatedAt': 'updatedAt', '#deleted': 'deleted' },
      });
    },

    async readFeed(accountId, collection, since, after, limit) {
      const pk = partitionKey(accountId, collection);
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: FEED_INDEX,
          KeyConditionExpression: '#pk = :pk AND #changedAt >= :since',
          ExpressionAttributeNames: { '#pk': 'pk', '#changedAt': 'changedAt' },
          ExpressionAttributeValues: { ':pk': pk, ':since': since },
          Limit: limit,
          ...(after ? { ExclusiveStartKey: { pk, id: after.id, changedAt: after.changedAt } } : {}),
        }),
      );
      return {
        items: parseItems(result.Items),
        evaluated: result.ScannedCount ?? 0,
        next: keyPosition(result.LastEvaluatedKey),
      };
    },

    async latestChangeAt(accountId, collection) {
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: FEED_INDEX,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk', '#changedAt': 'changedAt' },
          ExpressionAttributeValues: { ':pk': partitionKey(accountId, collection) },
          ProjectionExpression: '#changedAt',
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      const latest = result.Items?.[0]?.changedAt;
      return typeof latest === 'number' ? latest : null;
    },

    async countChangedSince(accountId, collection, since, writer) {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: FEED_INDEX,
            KeyConditionExpression: '#pk = :pk AND #changedAt > :since',
            FilterExpression: '#writer <> :writer',
            ExpressionAttributeNames: { '#pk': 'pk', '#changedAt': 'changedAt', '#writer': 'writer' },
            ExpressionAttributeValues: {
              ':pk': partitionKey(accountId, collection),
              ':since': since,
              ':writer': writer,
            },
            Select: 'COUNT',
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        count += result.Count ?? 0;
        start = result.LastEvaluatedKey;
      } while (start);
      return count;
    },
  };
}

function keyPosition(key: Record<string, unknown> | undefined): KeyPosition | undefined {
  if (key === undefined) return undefined;
  const { id, changedAt } = key;
  if (typeof id !== 'string') throw new Error('unexpected LastEvaluatedKey shape');
  return typeof changedAt === 'number' ? { id, changedAt } : { id };
}
