// Writing items straight into the records table, as they would be stored:
// for the benchmark's and the tests' large accounts (thousands of records or
// tombstones) without pushing them through the API one request at a time.
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { writerKey } from '../functions/core/identity.ts';
import { partitionKey } from '../functions/store/records-store.ts';
import { contentHash, TOMBSTONE_HASH } from '../protocol/content-hash.ts';
import type { RecordFields } from '../protocol/fields.ts';
import type { CollectionName } from '../protocol/records.ts';
import { LOCAL_TABLES } from './dynamodb-local.ts';

/** An item as the store keeps it — with its content hash, as every write since v1.3 — a live record written by the web (`web#seed`), or a tombstone. */
export function storedItem(
  account: string,
  collection: CollectionName,
  record: { id: string; updatedAt: number } & RecordFields,
  changedAt: number,
  options: { deleted?: boolean } = {},
): Record<string, unknown> {
  const { id, updatedAt, ...data } = record;
  return {
    pk: partitionKey(account, collection),
    id,
    updatedAt,
    deleted: options.deleted === true,
    changedAt,
    writer: writerKey({ userId: 'seed', deviceId: null }),
    contentSha256: options.deleted ? TOMBSTONE_HASH : contentHash(data),
    ...(options.deleted ? { expiresAt: Math.ceil(changedAt / 1000) + 90 * 86_400 } : { data }),
  };
}

/** Batch-writes `items` into the local records table, `concurrency` batches of 25 at a time. */
export async function seedItems(
  client: DynamoDBDocumentClient,
  items: Record<string, unknown>[],
  concurrency = 16,
): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        let pending = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const out = await client.send(new BatchWriteCommand({ RequestItems: { [LOCAL_TABLES.records]: pending } }));
          pending = (out.UnprocessedItems?.[LOCAL_TABLES.records] ?? []) as typeof pending;
        }
      }
    }),
  );
}
