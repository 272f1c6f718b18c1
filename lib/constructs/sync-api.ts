// The HTTP API and one function per route of functions/routes.ts. Each
// function gets exactly what its route needs, from the same manifest its
// code reads its configuration by (functions/config.ts): a table's name and
// the listed actions on it (and on its feed index), the cursor key's ARN
// and read access to it — nothing else.
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type CfnStage, CorsHttpMethod, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../functions/config.ts';
import { STAGE_ENV } from '../../functions/http/metric-names.ts';
import { notFoundEntry, routes, type TableAccess } from '../../functions/routes.ts';
import { FEED_INDEX } from '../../functions/store/tables.ts';
import { CORS_REQUEST_HEADERS } from '../../protocol/limits.ts';
import { SyncFunction } from '../sync-function.ts';

export type SyncApiProps = {
  stage: string;
  webOrigin: string;
  tables: { records: ITable; syncState: ITable };
  cursorKey: ISecret;
  auth: { issuer: string; audience: string[] };
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  rateLimit: number;
  burstLimit: number;
};

export class SyncApi extends Construct {
  readonly api: HttpApi;
  /** Every function, by route name (and NotFound). */
  readonly functions: Record<string, SyncFunction> = {};

  constructor(scope: Construct, id: string, props: SyncApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: `mobile-sales-sync-${props.stage}`,
      corsPreflight: {
        allowOrigins: [props.webOrigin],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.DELETE],
        allowHeaders: CORS_REQUEST_HEADERS,
        maxAge: Duration.hours(1),
      },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const defaultStage = this.api.defaultStage?.node.defaultChild as CfnStage;
    defaultStage.defaultRouteSettings = {
      throttlingRateLimit: props.rateLimit,
      throttlingBurstLimit: props.burstLimit,
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

    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.auth.issuer, { jwtAudience: props.auth.audience });
    const defaults = { logRetention: props.logRetention, removalPolicy: props.removalPolicy };
    const environment = { POWERTOOLS_LOG_LEVEL: 'INFO', [STAGE_ENV]: props.stage };
    for (const route of routes) {
      const fn = new SyncFunction(this, route.name, { entry: route.entry, environment, ...defaults });
      this.functions[route.name] = fn;
      const { records, syncState, cursorKey } = route.needs;
      if (records) grantTable(fn, props.tables.records, ENV.recordsTable, records);
      if (syncState) grantTable(fn, props.tables.syncState, ENV.syncStateTable, syncState);
      if (cursorKey) {
        fn.addEnvironment(ENV.cursorSecretArn, props.cursorKey.secretArn);
        props.cursorKey.grantRead(fn);
      }
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn),
        ...(route.authenticated ? { authorizer } : {}),
      });
    }
    // Unknown routes answer the API's 404 envelope instead of API Gateway's own.
    const notFound = new SyncFunction(this, 'NotFound', { entry: notFoundEntry, environment, ...defaults });
    this.functions.NotFound = notFound;
    this.api.addRoutes({
      path: '/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('NotFoundIntegration', notFound),
    });
    this.acknowledgeFindings();
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
        'The catch-all route only answers 404 (the route is checked before the token) and touches no data.',
      ],
    ] as const) {
      const route = this.api.node.findChild(routeId);
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
    }
  }
}

/** One helper sets a table's env var and its least-privilege grant together. */
function grantTable(fn: SyncFunction, table: ITable, envName: string, access: TableAccess): void {
  fn.addEnvironment(envName, table.tableName);
  const resources = access.on.map((on) => (on === 'table' ? table.tableArn : `${table.tableArn}/index/${FEED_INDEX}`));
  fn.addToRolePolicy(new PolicyStatement({ actions: access.actions, resources }));
}
