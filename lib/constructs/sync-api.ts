// The HTTP API and one function per route of functions/routes.ts. Each
// function gets exactly what its route needs, from the same manifest its
// code reads its configuration by (functions/config.ts): a table's name and
// the listed actions on it and on its feed index, the cursor key's ARN and
// GetSecretValue on it — nothing else. Routes without a token get their own
// throttle; with a custom domain, the execute-api endpoint is off.
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  type CfnStage,
  CorsHttpMethod,
  type DomainName,
  HttpApi,
  HttpMethod,
  type HttpRoute,
} from 'aws-cdk-lib/aws-apigatewayv2';
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
import { CORS_EXPOSED_HEADERS, CORS_REQUEST_HEADERS } from '../../protocol/limits.ts';
import { SyncFunction } from '../sync-function.ts';

/** The catch-all route: unknown paths answer the API's 404 envelope instead of API Gateway's own. */
export const CATCH_ALL_ROUTE_KEY = 'ANY /{proxy+}';

export type SyncApiProps = {
  stage: string;
  webOrigin: string;
  tables: { records: ITable; syncState: ITable };
  cursorKey: ISecret;
  auth: { issuer: string; audience: string[] };
  /** A custom domain mapped to the API; when set, the execute-api endpoint is off. */
  domainName?: DomainName;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** The stage's throttle (requests/s steady, burst). */
  rateLimit: number;
  burstLimit: number;
  /** The lower throttle of each route that takes no token. */
  anonymousRateLimit: number;
  anonymousBurstLimit: number;
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
        exposeHeaders: CORS_EXPOSED_HEADERS,
        maxAge: Duration.hours(1),
      },
      // With a domain, apps use only it: the execute-api URL changes whenever the API is replaced.
      ...(props.domainName
        ? { defaultDomainMapping: { domainName: props.domainName }, disableExecuteApiEndpoint: true }
        : {}),
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
        requestTime: '$context.requestTimeEpoch',
        sourceIp: '$context.identity.sourceIp',
        userAgent: '$context.identity.userAgent',
        method: '$context.httpMethod',
        path: '$context.path',
        routeKey: '$context.routeKey',
        status: '$context.status',
        responseBytes: '$context.responseLength',
        latencyMs: '$context.responseLatency',
        integrationStatus: '$context.integration.status',
        integrationLatencyMs: '$context.integration.latency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
        error: '$context.error.message',
        accountId: '$context.authorizer.claims.custom:accountId',
      }),
    };

    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.auth.issuer, { jwtAudience: props.auth.audience });
    const defaults = { logRetention: props.logRetention, removalPolicy: props.removalPolicy };
    const environment = { POWERTOOLS_LOG_LEVEL: 'INFO', [STAGE_ENV]: props.stage };
    const anonymous: (readonly [routeKey: string, route: HttpRoute])[] = [];
    for (const route of routes) {
      const fn = new SyncFunction(this, route.name, { entry: route.entry, environment, ...defaults });
      this.functions[route.name] = fn;
      const { records, syncState, cursorKey } = route.needs;
      if (records) grantTable(fn, props.tables.records, ENV.recordsTable, records);
      if (syncState) grantTable(fn, props.tables.syncState, ENV.syncStateTable, syncState);
      if (cursorKey) {
        fn.addEnvironment(ENV.cursorSecretArn, props.cursorKey.secretArn);
        // GetSecretValue alone: grantRead would add DescribeSecret, which the code never calls.
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.cursorKey.secretArn] }),
        );
      }
      const added = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn),
        ...(route.authenticated ? { authorizer } : {}),
      });
      if (!route.authenticated) anonymous.push(...added.map((r) => [`${route.method} ${route.path}`, r] as const));
    }
    const notFound = new SyncFunction(this, 'NotFound', { entry: notFoundEntry, environment, ...defaults });
    this.functions.NotFound = notFound;
    const catchAll = this.api.addRoutes({
      path: '/{proxy+}',
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('NotFoundIntegration', notFound),
    });
    anonymous.push(...catchAll.map((r) => [CATCH_ALL_ROUTE_KEY, r] as const));

    // Routes without a token invoke Lambda for anyone: each gets a lower limit
    // of its own, so a flood of them cannot use up what syncing reps share.
    // Route settings name route keys, so the stage must wait for the routes.
    // (A JSON property of the L1: written as CloudFormation spells it.)
    defaultStage.routeSettings = Object.fromEntries(
      anonymous.map(([routeKey]) => [
        routeKey,
        { ThrottlingRateLimit: props.anonymousRateLimit, ThrottlingBurstLimit: props.anonymousBurstLimit },
      ]),
    );
    for (const [, route] of anonymous) defaultStage.node.addDependency(route);
    this.acknowledgeFindings();
  }

  /** Findings cdk-nag raises that are deliberate, each with its reason. */
  private acknowledgeFindings(): void {
    for (const fn of Object.values(this.functions)) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'The runtime is pinned to nodejs22.x, which the bundles target and the tests run against; it moves with the bundler target, not on its own.',
      });
      Validations.of(fn.executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions, so active tracing needs Resource "*".',
      });
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

/**
 * One helper sets a table's env var and its least-privilege grant together:
 * the table's actions on the table's ARN, the index's on the index's alone.
 */
function grantTable(fn: SyncFunction, table: ITable, envName: string, access: TableAccess): void {
  fn.addEnvironment(envName, table.tableName);
  if (access.table) fn.addToRolePolicy(new PolicyStatement({ actions: access.table, resources: [table.tableArn] }));
  if (access.feed) {
    const index = `${table.tableArn}/index/${FEED_INDEX}`;
    fn.addToRolePolicy(new PolicyStatement({ actions: access.feed, resources: [index] }));
  }
}
