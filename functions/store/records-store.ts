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
import type { Deadline } from '../core/budgets.ts';
import type { KeyPosition } from '../core/feed.ts';
import { writerFromKey } from '../core/identity.ts';
import type { StoredVersion, WriteGuard } from '../core/reconcile.ts';
import { dynamoCaller, isConditionalCheckFailed } from './client.ts';
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
  /**
   * The content hash (protocol/content-hash.ts), on every version written
   * since v1.3. (Versions written before carry none; their `contentHash`
   * attribute held another, shorter hash and is not read.)
   */
  contentSha256: z.string().optional(),
  expiresAt: z.number().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
/** One record as stored, with its sync metadata. */
export type RecordItem = z.infer<typeof recordItem>;
const versionItem = recordItem.pick({ id: true, updatedAt: true, deleted: true, contentSha256: true, data: true });
/** What verify reads of an item. */
export type VersionItem = z.infer<typeof versionItem>;

/** A version to store. `changedAt` is stamped by the store just before the write. */
export type NewVersion = {
  updatedAt: number;
  deleted: boolean;
  writer: string;
  clientUpdatedAt?: number | undefined;
  contentHash: string;
  fields?: RecordFields | undefined;
};

/**
 * What guards the write (see `conditionFor`):
 * - a device push: the rules' guard for this attempt (core/reconcile.ts
 *   `firstWrite`, `secondWrite`);
 * - `web-put`: a web write lands unless the record is a tombstone, holds this
 *   very content already, or someone wrote a version at or past the stamp
 *   since we chose it;
 * - `web-delete`: the record must exist and be live, and no newer version
 *   have landed since we chose the stamp.
 */
export type WriteRule = { device: WriteGuard } | 'web-put' | 'web-delete';

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
  /**
   * Every version of `range` (tombstones too), in id order, strongly
   * consistent (verify): id, updatedAt and deleted, and with `content` the
   * content hash (or, for a version written before v1.3, its fields).
   */
  readVersions(
    accountId: string,
    collection: CollectionName,
    range: IdRange,
    after: KeyPosition | undefined,
    limit: number,
    options: { content: boolean },
  ): Promise<Page<VersionItem>>;
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
  /** The request's deadline: calls are retried within it and stopped at it (none: a fixed number of retries). */
  deadline?: Deadline | undefined;
};

type Expression = {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
};

/**
 * The condition under which `version` may replace what is stored: a guard
 * of the rules (core/reconcile.ts) in DynamoDB's words —
 *   3, B5 (young base), B6    attribute_not_exists(pk)            when ifMissing
 *   B1, deletion is terminal  deleted = false
 *   B2, same content          NOT contentSha256 = :hash          (a version without one never counts as equal)
 *   B4                        updatedAt = :at                     when ifAt
 *   2a, ties keep backend     updatedAt < :before                 when ifBefore
 * A web put is a live write past the stamp unless the content is already
 * there; a web delete needs a live record older than its stamp.
 */
export function conditionFor(rule: WriteRule, version: NewVersion): Expression {
  const names = { '#pk': 'pk', '#deleted': 'deleted', '#updatedAt': 'updatedAt' };
  if (typeof rule === 'object') {
    const { ifMissing, contentHash, ifAt, ifBefore } = rule.device;
    const versions = [
      ...(ifAt !== undefined ? ['#updatedAt = :at'] : []),
      ...(ifBefore !== undefined ? ['#updatedAt < :before'] : []),
    ];
    const live =
      versions.length > 0 ? `(#deleted = :false AND NOT #hash = :hash AND (${versions.join(' OR ')}))` : null;
    const branches = [...(ifMissing ? ['attribute_not_exists(#pk)'] : []), ...(live ? [live] : [])];
    return {
      // No branch at all (an echo of an old, maybe purged version): a condition that never holds.
      ConditionExpression:
        branches.length > 0 ? branches.join(' OR ') : 'attribute_not_exists(#pk) AND attribute_exists(#pk)',
      // DynamoDB refuses a name or value the expression does not use.
      ExpressionAttributeNames: {
        ...(ifMissing || !live ? { '#pk': 'pk' } : {}),
        ...(live ? { '#deleted': 'deleted', '#updatedAt': 'updatedAt', '#hash': 'contentSha256' } : {}),
      },
      ...(live
        ? {
            ExpressionAttributeValues: {
              ':false': false,
              ':hash': contentHash,
              ...(ifAt !== undefined ? { ':at': ifAt } : {}),
              ...(ifBefore !== undefined ? { ':before': ifBefore } : {}),
            },
          }
        : {}),
    };
  }
  const values = { ':false': false, ':updatedAt': version.updatedAt };
  switch (rule) {
    case 'web-put':
      return {
        ConditionExpression:
          'attribute_not_exists(#pk) OR (#deleted = :false AND #updatedAt < :updatedAt AND NOT #hash = :hash)',
        ExpressionAttributeNames: { ...names, '#hash': 'contentSha256' },
        ExpressionAttributeValues: { ...values, ':hash': version.contentHash },
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

/** What the rules look at in a stored item (core/reconcile.ts). */
export function storedVersion(item: RecordItem): StoredVersion {
  return { updatedAt: item.updatedAt, deleted: item.deleted, contentHash: item.contentSha256 };
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
  deadline,
}: RecordsStoreOptions): RecordsStore {
  const dynamo = dynamoCaller(deadline);
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
    const result = await dynamo.run((o) =>
      client.send(
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
        o,
      ),
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
        contentSha256: version.contentHash,
        ...(version.deleted
          ? { expiresAt: Math.ceil((changedAt + tombstoneRetentionMs) / 1000) }
          : { data: version.fields ?? {} }),
      };
      try {
        const result = await dynamo.run((o) =>
          client.send(
            new PutCommand({
              TableName: tableName,
              Item: item,
              ...conditionFor(rule, version),
              ReturnValues: 'ALL_OLD',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
            o,
          ),
        );
        return { written: true, previous: parseItem(result.Attributes), item };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        // The losing side learns the winner from the failure itself: no read.
        return { written: false, current: parseItem(error.Item ? unmarshall(error.Item as never) : undefined) };
      }
    },

    async get(accountId, collection, id) {
      const result = await dynamo.run((o) =>
        client.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: partitionKey(accountId, collection), id },
            ConsistentRead: true,
          }),
          o,
        ),
      );
      return parseItem(result.Item);
    },

    async getMany(accountId, refs) {
      const found = new Map<string, RecordItem>();
      let keys: Record<string, unknown>[] = refs.map((r) => ({ pk: partitionKey(accountId, r.collection), id: r.id }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 0) await dynamo.pause(Math.min(1000, 50 * 2 ** attempt));
        const result = await dynamo.run((o) =>
          client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }), o),
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

    async readVersions(accountId, collection, range, after, limit, { content }) {
      return queryIdRange(accountId, collection, range, after, limit, (i) => versionItem.parse(i), {
        // Just what a digest needs: the rest of each item stays on the server (the read costs the same).
        // With content: its hash, and the fields of a version written before v1.3, which has none.
        ProjectionExpression: content ? '#id, #updatedAt, #deleted, #hash, #data' : '#id, #updatedAt, #deleted',
        ExpressionAttributeNames: {
          '#id': 'id',
          '#updatedAt': 'updatedAt',
          '#deleted': 'deleted',
          ...(content ? { '#hash': 'contentSha256', '#data': 'data' } : {}),
        },
      });
    },

    async readFeed(accountId, collection, since, after, limit) {
      const pk = partitionKey(accountId, collection);
      const result = await dynamo.run((o) =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: FEED_INDEX,
            KeyConditionExpression: '#pk = :pk AND #changedAt >= :since',
            ExpressionAttributeNames: { '#pk': 'pk', '#changedAt': 'changedAt' },
            ExpressionAttributeValues: { ':pk': pk, ':since': since },
            Limit: limit,
            ...(after ? { ExclusiveStartKey: { pk, id: after.id, changedAt: after.changedAt } } : {}),
          }),
          o,
        ),
      );
      return {
        items: parseItems(result.Items),
        evaluated: result.ScannedCount ?? 0,
        next: keyPosition(result.LastEvaluatedKey),
      };
    },

    async latestChangeAt(accountId, collection) {
      const result = await dynamo.run((o) =>
        client.send(
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
          o,
        ),
      );
      const latest = result.Items?.[0]?.changedAt;
      return typeof latest === 'number' ? latest : null;
    },

    async countChangedSince(accountId, collection, since, writer) {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const result = await dynamo.run((o) =>
          client.send(
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
            o,
          ),
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
