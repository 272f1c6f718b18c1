// The two DynamoDB tables, declared from the same definitions the local
// server creates its tables from (functions/store/tables.ts), so they cannot
// drift. On demand, point-in-time recovery, Contributor Insights on
// throttled keys (the table and the feed index: which account hit a
// partition's limit); in prod retained and protected. A table restored from a backup is a new table the stack did not
// create: named in `existing`, it is used as it is (docs/deploy.md).
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ContributorInsightsMode,
  type ITable,
  ProjectionType,
  Table,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { recordsTable, syncStateTable, type TableSchema } from '../../functions/store/tables.ts';

export type ExistingTables = { records?: string | undefined; syncState?: string | undefined };

export type TablesProps = { retain: boolean; existing: ExistingTables };

export class Tables extends Construct {
  readonly records: ITable;
  readonly syncState: ITable;

  constructor(scope: Construct, id: string, { retain, existing }: TablesProps) {
    super(scope, id);
    this.records = existing.records
      ? Table.fromTableName(this, 'Records', existing.records)
      : table(this, 'Records', recordsTable, retain);
    this.syncState = existing.syncState
      ? Table.fromTableName(this, 'SyncState', existing.syncState)
      : table(this, 'SyncState', syncStateTable, retain);
  }
}

/**
 * Throttled keys only, as AWS advises for keeping it on: tracking every
 * access would bill every item read or written (most of the bill at a few
 * thousand reps, docs/performance.md). To see the most accessed keys while
 * investigating, switch a table or the index for a while (docs/deploy.md).
 */
const insights = {
  contributorInsightsSpecification: { enabled: true, mode: ContributorInsightsMode.THROTTLED_KEYS },
};

function table(scope: Construct, id: string, schema: TableSchema, retain: boolean): Table {
  const attr = (a: { name: string; type: 'S' | 'N' }) => ({
    name: a.name,
    type: a.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
  });
  const created = new Table(scope, id, {
    partitionKey: attr(schema.partitionKey),
    sortKey: attr(schema.sortKey),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: retain,
    removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    ...insights,
    ...(schema.ttlAttribute ? { timeToLiveAttribute: schema.ttlAttribute } : {}),
  });
  for (const index of schema.indexes) {
    created.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: attr(index.partitionKey),
      sortKey: attr(index.sortKey),
      projectionType: ProjectionType.ALL,
      ...insights,
    });
  }
  return created;
}
