// The table definitions, in one place: the local server creates its tables
// from these and the CDK stack declares its tables from these, so the two
// cannot drift.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

type KeyAttribute = { name: string; type: 'S' | 'N' };

export type TableSchema = {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  indexes: { name: string; partitionKey: KeyAttribute; sortKey: KeyAttribute }[];
  /** TTL attribute (epoch seconds), if the table expires items. */
  ttlAttribute?: string;
};

/**
 * Records: one item per record version that is current.
 * pk = `${accountId}#${collection}`, id = record id.
 * `feed` index: the change feed, the same pk sorted by `changedAt` (server
 * clock when the version was written), read by Sync Now and the status page.
 */
export const recordsTable = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'id', type: 'S' },
  indexes: [{ name: 'feed', partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'changedAt', type: 'N' } }],
  ttlAttribute: 'expiresAt',
} as const satisfies TableSchema;

export const FEED_INDEX = recordsTable.indexes[0].name;

/** Sync state: `ACCOUNT` (the lastSync record) and `DEVICE#<deviceId>#<userId>` per account. */
export const syncStateTable = {
  partitionKey: { name: 'accountId', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  indexes: [],
} as const satisfies TableSchema;

export function createTableInput(tableName: string, schema: TableSchema): CreateTableCommandInput {
  const attributes = new Map<string, KeyAttribute>();
  for (const key of [
    schema.partitionKey,
    schema.sortKey,
    ...schema.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]) {
    attributes.set(key.name, key);
  }
  const keySchema = (pk: KeyAttribute, sk: KeyAttribute) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    { AttributeName: sk.name, KeyType: 'RANGE' as const },
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()].map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(schema.partitionKey, schema.sortKey),
    ...(schema.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: schema.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}
