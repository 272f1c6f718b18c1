// Whether syncs are healthy, and who hears when they are not: alarms on
// every function's errors and throttles, the account's Lambda concurrency,
// the API's 5xx rate and p99 latency, each table's throttles and the feed
// index's, sent to a topic encrypted with a key CloudWatch may use — both
// when an alarm fires and when it clears; and a dashboard per stage and
// region. Alarm math fills the gaps of sparse metrics, so a quiet five
// minutes reads as zero, not as missing data.
//
// An alarm reaches the topic only if the topic's policy lets CloudWatch
// publish (a topic policy replaces SNS's default one, and enforceSSL writes
// one) and the key's policy lets CloudWatch encrypt for the topic. Both
// grants are held to this account and to this stack's alarms, by name.
import { ArnFormat, Aws, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  ComparisonOperator,
  type CreateAlarmOptions,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME, SYNC_METRICS } from '../../functions/http/metric-names.ts';

export type MonitoringProps = {
  stage: string;
  api: HttpApi;
  functions: Record<string, IFunction>;
  tables: Record<string, ITable>;
  /** The records table's change-feed index: its throttles are not in the table's metrics. */
  feedIndex: { table: ITable; indexName: string };
  /** Where alarms are sent (required in prod). */
  alarmEmail?: string | undefined;
  /** The account's Lambda concurrency quota; the alarm fires at 80% of it. */
  lambdaConcurrencyLimit: number;
  removalPolicy: RemovalPolicy;
};

/** Of the account's concurrency quota, where the alarm fires: early enough to ask AWS for more. */
const CONCURRENCY_ALARM_SHARE = 0.8;

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly key: Key;
  /** Every alarm's name starts with this (the stack's name): the grants to CloudWatch are held to it. */
  readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.alarmNamePrefix = `${stack.stackName}-`;
    // CloudWatch acting for this stack's alarms, and only for them.
    const alarmsOfThisStack = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${this.alarmNamePrefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');

    // SNS's AWS-managed key cannot be used by CloudWatch: alarms would never
    // reach the topic. A customer-managed key that grants CloudWatch can.
    this.key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the alarm topic; CloudWatch may use it to publish alarms',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStack',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: alarmsOfThisStack,
      }),
    );
    // enforceSSL: a publish without TLS is denied, whoever makes it.
    this.topic = new Topic(this, 'Alarms', { enforceSSL: true, masterKey: this.key });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStack',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: alarmsOfThisStack,
      }),
    );
    // The address must confirm the subscription (a link in the first e-mail) before anything arrives.
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const notify = new SnsAction(this.topic);
    const alarm = (metric: Metric | MathExpression, name: string, options: CreateAlarmOptions): Alarm => {
      const created = metric.createAlarm(this, name, { ...options, alarmName: `${this.alarmNamePrefix}${name}` });
      created.addAlarmAction(notify);
      // And when it clears: whoever was paged learns it is over without opening the console.
      created.addOkAction(notify);
      return created;
    };
    const period = Duration.minutes(5);

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(fn.metricErrors({ period }), `${name}Errors`, {
        alarmDescription: `${name}: a function error (a 500 is handled and does not count; this is a crash or timeout)`,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm(fn.metricThrottles({ period }), `${name}Throttles`, {
        alarmDescription: `${name}: Lambda throttled invocations (API Gateway answers them 500/503)`,
        threshold: 1,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    const concurrencyThreshold = Math.max(1, Math.floor(props.lambdaConcurrencyLimit * CONCURRENCY_ALARM_SHARE));
    alarm(
      new Metric({
        namespace: 'AWS/Lambda',
        metricName: 'ConcurrentExecutions',
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      'LambdaConcurrency',
      {
        alarmDescription: `The account's Lambda concurrency at ${concurrencyThreshold} or more, 80% of its quota of ${props.lambdaConcurrencyLimit} (-c lambdaConcurrencyLimit): throttling is near`,
        threshold: concurrencyThreshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
    );

    const serverErrorRate = new MathExpression({
      // Sparse metrics: no requests in a period is 0 %, not missing data.
      expression: 'IF(FILL(requests, 0) > 0, 100 * FILL(errors, 0) / FILL(requests, 0), 0)',
      usingMetrics: {
        errors: props.api.metricServerError({ period }),
        requests: props.api.metricCount({ period }),
      },
      label: '5xx %',
      period,
    });
    alarm(serverErrorRate, 'ServerErrorRate', {
      alarmDescription: 'More than 1% of requests answered 5xx over 5 minutes, twice in a row',
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const p99 = props.api.metricLatency({ period, statistic: 'p99' });
    alarm(p99, 'LatencyP99', {
      alarmDescription: 'p99 latency above 3 s for 15 minutes (a 1,000-record push takes well under 2 s)',
      threshold: 3000,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const throttleAlarm = (name: string, what: string, dimensionsMap: Record<string, string>, table: ITable) => {
      const metric = (metricName: string) => table.metric(metricName, { period, statistic: 'Sum', dimensionsMap });
      const throttles = new MathExpression({
        expression: 'FILL(reads, 0) + FILL(writes, 0)',
        usingMetrics: { reads: metric('ReadThrottleEvents'), writes: metric('WriteThrottleEvents') },
        label: 'throttle events',
        period,
      });
      alarm(throttles, name, {
        alarmDescription: `${what}: DynamoDB throttled requests (clients get 503 past SDK retries)`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    };
    for (const [name, table] of Object.entries(props.tables)) {
      throttleAlarm(`${name}Throttles`, `${name} table`, { TableName: table.tableName }, table);
    }
    // One feed partition per account and collection: the scaling limit (docs/deploy.md, "Scale limits").
    const { table: feedTable, indexName } = props.feedIndex;
    const feedDimensions = { TableName: feedTable.tableName, GlobalSecondaryIndexName: indexName };
    throttleAlarm(
      'FeedIndexThrottles',
      `the ${indexName} index (one partition per account and collection)`,
      feedDimensions,
      feedTable,
    );
    const feedMetric = (metricName: string) =>
      feedTable.metric(metricName, { period, statistic: 'Sum', dimensionsMap: feedDimensions });

    const business = (name: string, label = name) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: SERVICE_NAME, stage: props.stage },
        statistic: 'Sum',
        period,
        label,
      });
    const outcomes = Object.entries(SYNC_METRICS.pushed).map(([status, name]) => business(name, status));
    new Dashboard(this, 'Dashboard', {
      // Dashboards are global to an account: one name per stage and region.
      dashboardName: `mobile-sales-sync-${props.stage}-${Aws.REGION}`,
      widgets: [
        [
          new TextWidget({
            markdown: `# Mobile Sales Sync (${props.stage})\nPushes by outcome, pulls, verifies, API health and the tables.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({ title: 'Records pushed, by outcome', left: outcomes, stacked: true, width: 12 }),
          new GraphWidget({
            title: 'Records pulled and Sync Nows completed',
            left: [business(SYNC_METRICS.pulled, 'pulled')],
            right: [
              business(SYNC_METRICS.syncsCompleted, 'Sync Now completed'),
              business(SYNC_METRICS.resets, 'cursor resets'),
            ],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Records verified and verify ranges completed',
            left: [business(SYNC_METRICS.verified, 'verified')],
            right: [business(SYNC_METRICS.verifiesCompleted, 'ranges completed')],
            width: 24,
          }),
        ],
        [
          new GraphWidget({
            title: 'Requests and errors',
            left: [props.api.metricCount({ period })],
            right: [props.api.metricClientError({ period }), props.api.metricServerError({ period })],
            width: 8,
          }),
          new GraphWidget({
            title: 'Latency (ms)',
            left: [props.api.metricLatency({ period, statistic: 'p50' }), p99],
            width: 8,
          }),
          new SingleValueWidget({ title: '5xx rate (%)', metrics: [serverErrorRate], width: 8 }),
        ],
        [
          ...Object.entries(props.tables).map(
            ([name, table]) =>
              new GraphWidget({
                title: `${name}: capacity and throttles`,
                left: [
                  table.metricConsumedWriteCapacityUnits({ period }),
                  table.metricConsumedReadCapacityUnits({ period }),
                ],
                right: [
                  table.metric('WriteThrottleEvents', { period, statistic: 'Sum' }),
                  table.metric('ReadThrottleEvents', { period, statistic: 'Sum' }),
                ],
                width: 8,
              }),
          ),
          new GraphWidget({
            title: `${indexName} index: capacity and throttles`,
            left: [feedMetric('ConsumedWriteCapacityUnits'), feedMetric('ConsumedReadCapacityUnits')],
            right: [feedMetric('WriteThrottleEvents'), feedMetric('ReadThrottleEvents')],
            width: 8,
          }),
        ],
      ],
    });
  }
}
