// The whole backend in one stack: an HTTP API with a JWT authorizer in front
// of one function per route, the records and sync-state tables, the cursor
// key, and the alarms and dashboard that say whether syncs are healthy.
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  type Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
} from 'aws-cdk-lib/aws-cognito';
import { AttributeType, BillingMode, ProjectionType, Table, type TableProps } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SYNC_METRICS } from '../functions/http/observability.ts';
import { notFoundEntry, routes, type TableAccess } from '../functions/routes.ts';
import { FEED_INDEX, recordsTable, syncStateTable, type TableSchema } from '../functions/store/tables.ts';
import { SyncFunction } from './sync-function.ts';

export type Stage = 'dev' | 'prod';

export type SyncStackProps = StackProps & {
  stage: Stage;
  /** The Main App's origin, for CORS. */
  webOrigin: string;
  /** An existing OIDC issuer and audience instead of the stack's Cognito user pool. */
  jwt?: { issuer: string; audience: string[] };
  /** Where alarms are sent. */
  alarmEmail?: string;
};

/** What differs between stages (listed in the README). */
const STAGES = {
  dev: { retain: false, logRetention: RetentionDays.ONE_WEEK, rateLimit: 50, burstLimit: 100, threatProtection: false },
  prod: {
    retain: true,
    logRetention: RetentionDays.THREE_MONTHS,
    rateLimit: 500,
    burstLimit: 1000,
    threatProtection: true,
  },
} as const;

export class SyncStack extends Stack {
  readonly api: HttpApi;
  readonly functions: Record<string, SyncFunction> = {};

  constructor(scope: Construct, id: string, props: SyncStackProps) {
    super(scope, id, props);
    const stage = STAGES[props.stage];
    const removalPolicy = stage.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // ── Tables: declared from the same definitions the local server creates its tables from.
    const records = this.table('Records', recordsTable, removalPolicy, stage.retain);
    const syncState = this.table('SyncState', syncStateTable, removalPolicy, stage.retain);

    const cursorKey = new Secret(this, 'CursorKey', {
      description: 'HMAC key that signs Sync Now and list cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(cursorKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the cursor key would invalidate every device cursor (each would get BAD_CURSOR and start over with a full snapshot); it is rotated by hand, deliberately.',
    });

    // ── Identity: Cognito user pool (or an existing issuer) behind API Gateway's JWT authorizer.
    const authorizer = this.authorizer(props, stage.threatProtection, removalPolicy);

    // ── API
    this.api = new HttpApi(this, 'Api', {
      apiName: `mobile-sales-sync-${props.stage}`,
      corsPreflight: {
        allowOrigins: [props.webOrigin],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: stage.logRetention, removalPolicy });
    const defaultStage = this.api.defaultStage?.node.defaultChild as CfnStage;
    defaultStage.defaultRouteSettings = {
      throttlingRateLimit: stage.rateLimit,
      throttlingBurstLimit: stage.burstLimit,
    };
    defaultStage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
        accountId: '$context.authorizer.claims.custom:accountId',
      }),
    };

    const functionDefaults = { logRetention: stage.logRetention, removalPolicy };
    // TOMBSTONE_RETENTION_DAYS and CURSOR_LOOKBACK_MS keep their defaults (functions/deps.ts) unless set here.
    const runtimeEnvironment = { POWERTOOLS_LOG_LEVEL: 'INFO' };
    for (const route of routes) {
      const fn = new SyncFunction(this, route.name, {
        entry: route.entry,
        environment: runtimeEnvironment,
        ...functionDefaults,
      });
      this.functions[route.name] = fn;
      if (route.access.records) useTable(fn, records, 'RECORDS_TABLE', route.access.records);
      if (route.access.syncState) useTable(fn, syncState, 'SYNC_STATE_TABLE', route.access.syncState);
      if (route.access.cursors) {
        fn.addEnvironment('CURSOR_SECRET_ARN', cursorKey.secretArn);
        cursorKey.grantRead(fn);
      }
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn),
        ...(route.authenticated ? { authorizer } : {}),
      });
    }
    // Unknown routes answer the API's 404 envelope instead of API Gateway's own.
    const notFound = new SyncFunction(this, 'NotFound', { entry: notFoundEntry, ...functionDefaults });
    this.functions.NotFound = notFound;
    this.api.addRoutes({
      path: '/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('NotFoundIntegration', notFound),
    });

    this.operations(props, [records, syncState]);
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    this.acknowledgeFindings();
  }

  private table(id: string, schema: TableSchema, removalPolicy: RemovalPolicy, protect: boolean): Table {
    const attr = (a: { name: string; type: 'S' | 'N' }) => ({
      name: a.name,
      type: a.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
    });
    const props: TableProps = {
      partitionKey: attr(schema.partitionKey),
      sortKey: attr(schema.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: protect,
      removalPolicy,
      ...(schema.ttlAttribute ? { timeToLiveAttribute: schema.ttlAttribute } : {}),
    };
    const table = new Table(this, id, props);
    for (const index of schema.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attr(index.partitionKey),
        sortKey: attr(index.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }
    return table;
  }

  private authorizer(
    props: SyncStackProps,
    threatProtection: boolean,
    removalPolicy: RemovalPolicy,
  ): IHttpRouteAuthorizer {
    if (props.jwt) {
      return new HttpJwtAuthorizer('JwtAuthorizer', props.jwt.issuer, { jwtAudience: props.jwt.audience });
    }
    const userPool = new UserPool(this, 'Users', {
      userPoolName: `mobile-sales-sync-${props.stage}`,
      selfSignUpEnabled: false, // reps are invited by their company's admin
      signInAliases: { email: true },
      customAttributes: { accountId: new StringAttribute({ minLen: 1, maxLen: 128, mutable: false }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      ...(threatProtection
        ? { featurePlan: FeaturePlan.PLUS, standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION }
        : {}),
      removalPolicy,
    });
    const mobile = userPool.addClient('MobileApp', {
      // SRP for the app; admin password auth lets an operator (with IAM credentials) fetch a token for support and smoke tests.
      authFlows: { userSrp: true, adminUserPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'MobileAppClientId', { value: mobile.userPoolClientId });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is offered (TOTP) but optional: reps sign in on shared demo iPads at trade shows; a company can require it by policy.',
    });
    if (!threatProtection) {
      const reason = 'Threat protection needs the paid Cognito Plus plan; prod has it, dev has no real users.';
      Validations.of(userPool).acknowledge({ id: 'AwsSolutions-COG3', reason }, { id: 'AwsSolutions-COG8', reason });
    }
    // The ID token carries custom:accountId; its aud is the app client.
    return new HttpJwtAuthorizer(
      'CognitoAuthorizer',
      `https://cognito-idp.${this.region}.amazonaws.com/${userPool.userPoolId}`,
      {
        jwtAudience: [mobile.userPoolClientId],
      },
    );
  }

  private operations(props: SyncStackProps, tables: Table[]): void {
    const topic = new Topic(this, 'Alarms', {
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (props.alarmEmail) topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const alarm = (a: Alarm) => a.addAlarmAction(new SnsAction(topic));
    const fiveMinutes = Duration.minutes(5);

    for (const [name, fn] of Object.entries(this.functions)) {
      alarm(
        fn.metricErrors({ period: fiveMinutes }).createAlarm(this, `${name}Errors`, {
          alarmDescription: `${name}: a function error (a 500 is handled and does not count; this is a crash or timeout)`,
          threshold: 1,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const serverErrorRate = new MathExpression({
      expression: '100 * errors / MAX([requests, 1])',
      usingMetrics: {
        errors: this.api.metricServerError({ period: fiveMinutes }),
        requests: this.api.metricCount({ period: fiveMinutes }),
      },
      label: '5xx %',
      period: fiveMinutes,
    });
    alarm(
      serverErrorRate.createAlarm(this, 'ServerErrorRate', {
        alarmDescription: 'More than 1% of requests answered 5xx over 5 minutes, twice in a row',
        threshold: 1,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    const p99 = this.api.metricLatency({ period: fiveMinutes, statistic: 'p99' });
    alarm(
      p99.createAlarm(this, 'LatencyP99', {
        alarmDescription: 'p99 latency above 3 s for 15 minutes (a 1,000-record push takes well under 2 s)',
        threshold: 3000,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    for (const table of tables) {
      const throttles = new MathExpression({
        expression: 'reads + writes',
        usingMetrics: {
          reads: table.metric('ReadThrottleEvents', { period: fiveMinutes, statistic: 'Sum' }),
          writes: table.metric('WriteThrottleEvents', { period: fiveMinutes, statistic: 'Sum' }),
        },
        label: 'throttle events',
        period: fiveMinutes,
      });
      const id = `${table.node.id}Throttles`;
      alarm(
        throttles.createAlarm(this, id, {
          alarmDescription: `${table.node.id} table: DynamoDB throttled requests (clients get 503 past SDK retries)`,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const business = (name: string, label = name) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: 'mobile-sales-sync' },
        statistic: 'Sum',
        period: fiveMinutes,
        label,
      });
    const outcomes = Object.entries(SYNC_METRICS.pushed).map(([status, name]) => business(name, status));
    new Dashboard(this, 'Dashboard', {
      dashboardName: `mobile-sales-sync-${props.stage}`,
      widgets: [
        [
          new TextWidget({
            markdown: `# Mobile Sales Sync (${props.stage})\nPushes by outcome, pulls, API health and the tables.`,
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
            title: 'Requests and errors',
            left: [this.api.metricCount({ period: fiveMinutes })],
            right: [
              this.api.metricClientError({ period: fiveMinutes }),
              this.api.metricServerError({ period: fiveMinutes }),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'Latency (ms)',
            left: [this.api.metricLatency({ period: fiveMinutes, statistic: 'p50' }), p99],
            width: 8,
          }),
          new SingleValueWidget({ title: '5xx rate (%)', metrics: [serverErrorRate], width: 8 }),
        ],
        tables.map(
          (table) =>
            new GraphWidget({
              title: `${table.node.id}: capacity and throttles`,
              left: [
                table.metricConsumedWriteCapacityUnits({ period: fiveMinutes }),
                table.metricConsumedReadCapacityUnits({ period: fiveMinutes }),
              ],
              right: [
                table.metric('WriteThrottleEvents', { period: fiveMinutes, statistic: 'Sum' }),
                table.metric('ReadThrottleEvents', { period: fiveMinutes, statistic: 'Sum' }),
              ],
              width: 12,
            }),
        ),
      ],
    });
  }

  /** Findings cdk-nag raises that are deliberate, each with its reason. */
  private acknowledgeFindings(): void {
    for (const fn of Object.values(this.functions)) {
      Validations.of(fn).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            'AWSLambdaBasicExecutionRole only lets the function write its own logs: the minimal AWS-managed policy for that.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions, so active tracing needs Resource "*".',
        },
        {
          id: 'AwsSolutions-L1',
          reason:
            'The runtime is pinned to nodejs22.x, which the bundles target and the tests run against; it moves with the bundler target, not on its own.',
        },
      );
    }
    for (const [routeId, reason] of [
      ['GET--v1--health', 'The health check is public by contract (GET /v1/health): uptime probes have no token.'],
      [
        'GET--v1--openapi.json',
        'The API description is public by contract (GET /v1/openapi.json): client generators fetch it without a token.',
      ],
      [
        'ANY--{proxy+}',
        'The catch-all route only answers 404 (the protocol checks the route before the token) and touches no data.',
      ],
    ] as const) {
      const route = this.api.node.findChild(routeId);
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
    }
  }
}

/** One helper sets a table's env var and its least-privilege grant together. */
function useTable(fn: SyncFunction, table: Table, envName: string, access: TableAccess): void {
  fn.addEnvironment(envName, table.tableName);
  const resources = access.on.map((on) => (on === 'table' ? table.tableArn : `${table.tableArn}/index/${FEED_INDEX}`));
  fn.addToRolePolicy(new PolicyStatement({ actions: access.actions, resources }));
}
