// The two DynamoDB tables, declared from the same definitions the local
// server creates its tables from (functions/store/tables.ts), so they cannot
// drift. On demand, point-in-time recovery; in prod retained and protected.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { recordsTable, syncStateTable, type TableSchema } from '../../functions/store/tables.ts';

export type TablesProps = { retain: boolean };

export class Tables extends Construct {
  readonly records: Table;
  readonly syncState: Table;

  constructor(scope: Construct, id: string, { retain }: TablesProps) {
    super(scope, id);
    this.records = table(this, 'Records', recordsTable, retain);
    this.syncState = table(this, 'SyncState', syncStateTable, retain);
  }
}

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
    ...(schema.ttlAttribute ? { timeToLiveAttribute: schema.ttlAttribute } : {}),
  });
  for (const index of schema.indexes) {
    created.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: attr(index.partitionKey),
      sortKey: attr(index.sortKey),
      projectionType: ProjectionType.ALL,
    });
  }
  return created;
}
