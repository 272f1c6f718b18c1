// What the deployment must guarantee, pinned on the synthesized templates of
// both stacks (data: tables, users, cursor key; api: functions, routes,
// monitoring): routes, their authorizer and throttles, function settings,
// each function's IAM grants written out here by hand, table shape, the
// hand-off between the stacks, alarms proven deliverable end to end, the
// custom domain, tags; and cdk-nag (AWS Solutions) with nothing
// unacknowledged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { ACCOUNT, Deployment, REGION, type Template as StackJson } from '../../dev/deployment.ts';
import { routes } from '../../functions/routes.ts';
import { buildApp } from '../../lib/app.ts';
import { alarmRoutes, cloudWatchMay } from '../support/deployed/alarm-delivery.ts';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * The real app, minus bundling (the as-deployed test runs the bundles), in
 * the region the template resolver (dev/deployment.ts) deploys to unless the
 * context names one.
 */
function synth(context: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
  outdirs.push(outdir);
  const built = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], region: REGION, ...context } });
  const { app, data: dataStack, api: apiStack } = built;
  const template = Template.fromStack(apiStack);
  const data = Template.fromStack(dataStack);
  const deployment = new Deployment(
    [
      { stackName: dataStack.stackName, template: data.toJSON() as StackJson },
      { stackName: apiStack.stackName, template: template.toJSON() as StackJson },
    ],
    outdir,
  );
  return { app, dataStack, apiStack, template, data, deployment };
}

const PROD = { stage: 'prod', webOrigin: 'https://app.example.com', alarmEmail: 'ops@example.com' };
const dev = synth();
const prod = synth(PROD);
/** The stateless stack (functions, API, monitoring) and the stateful one (tables, users, key). */
const { template, data } = dev;

describe('API routes', () => {
  for (const route of routes) {
    it(`${route.method} ${route.path} → its own function, ${route.authenticated ? 'JWT authorizer' : 'no auth'}`, () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: route.authenticated ? 'JWT' : 'NONE',
        ...(route.authenticated ? { AuthorizerId: Match.anyValue() } : {}),
      });
    });
  }

  it('sends unknown routes to the 404 function without auth', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /{proxy+}',
      AuthorizationType: 'NONE',
    });
  });

  it('has one JWT authorizer on the Cognito user pool, for the mobile app client', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    const authorizer = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
    });
    // Resolved as CloudFormation would: the issuer and audience the data stack published.
    const clientId = Object.keys(data.findResources('AWS::Cognito::UserPoolClient'))[0]!;
    const poolId = Object.keys(data.findResources('AWS::Cognito::UserPool'))[0]!;
    const api = dev.deployment.stacks[1]!;
    expect(dev.deployment.resolve(authorizer.Properties.JwtConfiguration, api)).toStrictEqual({
      Audience: [`MobileSalesSync-dev-data-${clientId}`],
      Issuer: `https://cognito-idp.${REGION}.amazonaws.com/MobileSalesSync-dev-data-${poolId}`,
    });
    data.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: [Match.objectLike({ Name: 'accountId', Mutable: false, AttributeDataType: 'String' })],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('can use an existing issuer instead of Cognito', () => {
    const external = synth({ jwtIssuer: 'https://login.example.com', jwtAudience: 'mobile,web' });
    external.data.resourceCountIs('AWS::Cognito::UserPool', 0);
    const authorizer = Object.values(external.template.findResources('AWS::ApiGatewayV2::Authorizer'))[0]!;
    expect(
      external.deployment.resolve(authorizer.Properties.JwtConfiguration, external.deployment.stacks[1]!),
    ).toStrictEqual({ Issuer: 'https://login.example.com', Audience: ['mobile', 'web'] });
  });

  it('throttles the stage, and each route without a token lower, once its route exists', () => {
    for (const [built, steady, burst, anonymous] of [
      [dev, 50, 100, { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }],
      [prod, 500, 1000, { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }],
    ] as const) {
      const stages = Object.values(built.template.findResources('AWS::ApiGatewayV2::Stage'));
      expect(stages).toHaveLength(1);
      const stage = stages[0]!;
      expect(stage.Properties.DefaultRouteSettings).toStrictEqual({
        ThrottlingRateLimit: steady,
        ThrottlingBurstLimit: burst,
      });
      expect(stage.Properties.RouteSettings).toStrictEqual({
        'GET /v1/health': anonymous,
        'GET /v1/openapi.json': anonymous,
        'ANY /{proxy+}': anonymous,
      });
      // CloudFormation rejects settings for a route key that does not exist yet.
      for (const routeKey of Object.keys(stage.Properties.RouteSettings)) {
        const [routeId] = Object.keys(
          built.template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } }),
        );
        expect(stage.DependsOn, routeKey).toContain(routeId);
      }
    }
  });

  it('logs who called what and how it went, for every request', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    expect(stage.Properties.AccessLogSettings.DestinationArn).toBeTruthy();
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toStrictEqual({
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
    });
  });

  it('allows the Main App origin, and lets its scripts read Retry-After and Allow', () => {
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://app.example.com'],
        ExposeHeaders: ['Retry-After', 'Allow'],
      }),
    });
  });
});

describe('a custom domain', () => {
  const certificateArn = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/0f3e1a2b`;
  const zone = { hostedZoneId: 'Z0123456789ABC', hostedZoneName: 'example.com' };
  const variants = {
    'dev, no domain': {},
    'prod, no domain': PROD,
    'dev, a certificate': { domainName: 'api-dev.example.com', certificateArn },
    'prod, a certificate': { ...PROD, domainName: 'api.example.com', certificateArn },
    'dev, a hosted zone': { domainName: 'api-dev.example.com', ...zone },
    'prod, a hosted zone': { ...PROD, domainName: 'api.example.com', ...zone },
  } as const;

  for (const [name, context] of Object.entries(variants)) {
    it(`${name}: synthesizes, cdk-nag clean; with a domain, the execute-api endpoint is off`, () => {
      const built = synth(context);
      expect(() => built.app.synth()).not.toThrow();
      const api = Object.values(built.template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
      const outputs = built.template.findOutputs('ApiUrl');
      const url = Object.values(outputs)[0]?.Value;
      if (!('domainName' in context)) {
        expect(api.Properties.DisableExecuteApiEndpoint).toBeUndefined();
        built.template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
        expect(JSON.stringify(url)).toMatch(/ApiEndpoint/);
        return;
      }
      expect(api.Properties.DisableExecuteApiEndpoint).toBe(true);
      expect(url).toBe(`https://${context.domainName}`);
      const [domainId] = Object.keys(
        built.template.findResources('AWS::ApiGatewayV2::DomainName', {
          Properties: { DomainName: context.domainName },
        }),
      );
      built.template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
        DomainName: { Ref: domainId },
        Stage: '$default',
      });
      if ('certificateArn' in context) {
        built.template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
        built.template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
          DomainNameConfigurations: [{ CertificateArn: certificateArn, EndpointType: 'REGIONAL' }],
        });
        expect(Object.keys(built.template.findOutputs('DomainTarget'))).toHaveLength(1);
      } else {
        built.template.hasResourceProperties('AWS::CertificateManager::Certificate', {
          DomainName: context.domainName,
          ValidationMethod: 'DNS',
          DomainValidationOptions: [{ DomainName: context.domainName, HostedZoneId: zone.hostedZoneId }],
        });
        built.template.hasResourceProperties('AWS::Route53::RecordSet', {
          Name: `${context.domainName}.`,
          Type: 'A',
          HostedZoneId: zone.hostedZoneId,
          AliasTarget: { DNSName: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] } },
        });
      }
    });
  }

  it('refuses a domain without a certificate or a zone, and a zone without its name', () => {
    expect(() => synth({ domainName: 'api.example.com' })).toThrow(/certificateArn.*hostedZoneId/);
    expect(() => synth({ domainName: 'api.example.com', hostedZoneId: 'Z1' })).toThrow(/hostedZoneName/);
    expect(() => synth({ certificateArn })).toThrow(/domainName/);
  });
});

describe('functions', () => {
  const functions = template.findResources('AWS::Lambda::Function');
  it('one per route plus the 404 function', () => expect(Object.keys(functions)).toHaveLength(routes.length + 1));

  for (const [id, fn] of Object.entries(functions)) {
    it(`${id}: nodejs22.x on arm64, 10 s timeout, traced, ESM handler`, () => {
      const p = fn.Properties;
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toStrictEqual(['arm64']);
      expect(p.Timeout).toBe(10);
      expect(p.MemorySize).toBe(512);
      expect(p.TracingConfig).toStrictEqual({ Mode: 'Active' });
      expect(p.Handler).toBe('index.handler');
      expect(p.LoggingConfig?.LogGroup, 'an explicit log group').toBeTruthy();
    });
  }
});

/**
 * Every function's grants, written out by hand — not derived from
 * functions/routes.ts, which makes them: a change to what a function may do
 * has to change this table too. `records` is the records table,
 * `records/index/feed` its feed index, `syncState` the sync-state table,
 * `cursorKey` the cursor key's secret.
 */
const GRANTS: Record<string, string[]> = {
  Health: [],
  OpenApi: [],
  NotFound: [],
  SyncPush: ['dynamodb:PutItem on records', 'dynamodb:UpdateItem on syncState'],
  SyncNow: [
    'dynamodb:PutItem on records',
    'dynamodb:Query on records',
    'dynamodb:BatchGetItem on records',
    'dynamodb:Query on records/index/feed',
    'dynamodb:UpdateItem on syncState',
    'secretsmanager:GetSecretValue on cursorKey',
  ],
  SyncStatus: ['dynamodb:Query on records/index/feed', 'dynamodb:GetItem on syncState'],
  SyncVerify: ['dynamodb:Query on records', 'secretsmanager:GetSecretValue on cursorKey'],
  RecordsList: ['dynamodb:Query on records', 'secretsmanager:GetSecretValue on cursorKey'],
  RecordsPut: ['dynamodb:PutItem on records'],
  RecordsGet: ['dynamodb:GetItem on records'],
  RecordsDelete: ['dynamodb:PutItem on records'],
};
/** What every function has besides: its own logs, and X-Ray (which has no resource-level permissions). */
const EVERY_FUNCTION = [
  'logs:CreateLogStream on its own log group',
  'logs:PutLogEvents on its own log group',
  'xray:PutTraceSegments on *',
  'xray:PutTelemetryRecords on *',
];

describe.each([
  ['dev', dev],
  ['prod', prod],
] as const)('IAM, %s: each function may do exactly what it needs', (stage, built) => {
  const { deployment } = built;
  const [dataStack, apiStack] = deployment.stacks as [(typeof deployment.stacks)[0], (typeof deployment.stacks)[0]];
  const arnOf = (type: string, keyName: string) => {
    const found = deployment
      .resources(type)
      .filter((r) => r.stack === dataStack)
      .filter((r) => JSON.stringify(r.resource.Properties ?? {}).includes(keyName));
    expect(found, `${type} ${keyName}`).toHaveLength(1);
    return deployment.arn(found[0]!.logicalId, found[0]!.resource, dataStack);
  };
  const records = arnOf('AWS::DynamoDB::Table', '"AttributeName":"pk"');
  const names = new Map([
    [records, 'records'],
    [`${records}/index/feed`, 'records/index/feed'],
    [arnOf('AWS::DynamoDB::Table', '"AttributeName":"accountId"'), 'syncState'],
    [arnOf('AWS::SecretsManager::Secret', 'cursor'), 'cursorKey'],
    ['*', '*'],
  ]);
  const functions = deployment.functions().map((fn) => {
    const name = fn.logicalId.replace(/^Sync/, '').replace(/[0-9A-F]{8}$/, '');
    const resource = apiStack.template.Resources[fn.logicalId]!.Properties as { LoggingConfig: { LogGroup: unknown } };
    const logGroup = String(deployment.resolve(resource.LoggingConfig.LogGroup, apiStack));
    return { fn, name, ownLogGroup: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroup}:*` };
  });

  it('every function is in the table, and only they', () => {
    expect(functions.map((f) => f.name).sort()).toStrictEqual(Object.keys(GRANTS).sort());
  });

  for (const name of Object.keys(GRANTS)) {
    it(`${name}: exactly its grants, on exactly its resources, and no AWS-managed policy`, () => {
      const found = functions.find((f) => f.name === name);
      expect(found, `a function ${name} in the ${stage} stack`).toBeDefined();
      const { fn, ownLogGroup } = found!;
      expect(fn.managedPolicyArns, 'AWS-managed policies (logs on *)').toStrictEqual([]);
      const granted: string[] = [];
      for (const { document } of fn.policies) {
        for (const statement of (document as { Statement: Record<string, unknown>[] }).Statement) {
          // Only plain allows: a condition or a Not* would make the pairs below mean less than they say.
          expect(Object.keys(statement).sort(), JSON.stringify(statement)).toStrictEqual([
            'Action',
            'Effect',
            'Resource',
          ]);
          expect(statement.Effect).toBe('Allow');
          for (const action of [statement.Action].flat() as string[]) {
            for (const resource of [statement.Resource].flat() as string[]) {
              granted.push(
                `${action} on ${resource === ownLogGroup ? 'its own log group' : (names.get(resource) ?? resource)}`,
              );
            }
          }
        }
      }
      expect(granted.sort(), `${name}'s grants`).toStrictEqual([...GRANTS[name]!, ...EVERY_FUNCTION].sort());
    });
  }
});

describe('tables', () => {
  it('records: pk/id keys, the feed index on changedAt, TTL on expiresAt, PITR, on demand, Contributor Insights on throttled keys', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'id', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'feed',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'changedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
          ContributorInsightsSpecification: { Enabled: true, Mode: 'THROTTLED_KEYS' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      ContributorInsightsSpecification: { Enabled: true, Mode: 'THROTTLED_KEYS' },
    });
  });

  it('sync state: accountId/sk keys, Contributor Insights on throttled keys', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'accountId', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      ContributorInsightsSpecification: { Enabled: true, Mode: 'THROTTLED_KEYS' },
    });
  });

  it('prod protects the data stack from termination; dev does not', () => {
    expect(prod.dataStack.terminationProtection).toBe(true);
    expect(dev.dataStack.terminationProtection).toBe(false);
    expect(prod.apiStack.terminationProtection, 'the stateless stack can be replaced').toBe(false);
  });

  it('the stateless stack holds no table, user pool or secret', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::Cognito::UserPool', 'AWS::SecretsManager::Secret']) {
      template.resourceCountIs(type, 0);
    }
  });

  it('prod retains and protects the tables and the user pool; dev can be torn down', () => {
    for (const table of Object.values(prod.data.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    }
    for (const table of Object.values(data.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    }
    prod.data.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
    });
    data.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
    });
  });

  it('a table restored by hand replaces the stack’s own, and the API stack is handed its name', () => {
    const restored = synth({ 'dev:recordsTable': 'records-restored-20261201' });
    const tables = Object.values(restored.data.findResources('AWS::DynamoDB::Table'));
    expect(tables.map((t) => t.Properties.KeySchema[0].AttributeName)).toStrictEqual(['accountId']);
    restored.data.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/mobile-sales-sync/dev/records-table-name',
      Value: 'records-restored-20261201',
    });
    const syncNow = restored.deployment.functions().find((f) => f.logicalId.startsWith('SyncSyncNow'));
    expect(syncNow?.environment.RECORDS_TABLE).toBe('records-restored-20261201');
  });
});

describe('between the stacks', () => {
  it('the data stack publishes in SSM exactly what the API stack reads, and nothing is exported', () => {
    for (const built of [dev, prod]) {
      const stage = built.dataStack.stackName.split('-')[1];
      const written = Object.values(built.data.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name);
      const read = Object.values(
        built.template.toJSON().Parameters as Record<string, { Type: string; Default: string }>,
      )
        .filter((p) => p.Type === 'AWS::SSM::Parameter::Value<String>' && p.Default.startsWith('/mobile-sales-sync/'))
        .map((p) => p.Default);
      expect(read.sort()).toStrictEqual(written.sort());
      expect(written.sort()).toStrictEqual(
        ['cursor-key-arn', 'jwt-audience', 'jwt-issuer', 'records-table-name', 'sync-state-table-name'].map(
          (n) => `/mobile-sales-sync/${stage}/${n}`,
        ),
      );
      // An export cannot change while imported: nothing would let a restored table in.
      expect(JSON.stringify(built.template.toJSON())).not.toMatch(/Fn::ImportValue/);
      expect(JSON.stringify(built.data.toJSON())).not.toMatch(/"Export"/);
      expect(built.apiStack.dependencies.map((s) => s.stackName)).toStrictEqual([built.dataStack.stackName]);
    }
  });

  it('each stage names its region; -c region overrides it', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-region-'));
    outdirs.push(outdir);
    const { data: d, api: a } = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    expect([d.region, a.region]).toStrictEqual(['us-east-1', 'us-east-1']);
    expect([dev.dataStack.region, dev.apiStack.region]).toStrictEqual([REGION, REGION]);
  });
});

describe('operations', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const expressions = (a: { Metrics?: { Expression?: string }[] }) =>
    (a.Metrics ?? []).map((m) => m.Expression).filter(Boolean);

  it('alarms on every function error and throttle, the 5xx rate, p99 latency, concurrency and table throttles', () => {
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name && a.Namespace === 'AWS/Lambda');
    expect(byMetric('Errors')).toHaveLength(routes.length + 1);
    expect(byMetric('Throttles')).toHaveLength(routes.length + 1);
    for (const a of [...byMetric('Errors'), ...byMetric('Throttles')])
      expect(a).toMatchObject({ Threshold: 1, Period: 300 });
    expect(byMetric('ConcurrentExecutions')).toHaveLength(1);
    const latency = alarms.find((a) => a.ExtendedStatistic === 'p99');
    expect(latency?.Threshold).toBe(3000);
    for (const a of alarms) expect(a.AlarmName).toMatch(/^MobileSalesSync-dev-api-\w+$/);
  });

  it('the concurrency alarm fires at 80% of the quota the deploy names, or of 10 when it names none', () => {
    const concurrency = (t: Template) =>
      Object.values(t.findResources('AWS::CloudWatch::Alarm')).find(
        (a) => a.Properties.MetricName === 'ConcurrentExecutions',
      )?.Properties;
    expect(concurrency(template)).toMatchObject({
      Threshold: 8,
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(concurrency(synth({ lambdaConcurrencyLimit: '1000' }).template)?.Threshold).toBe(800);
    expect(concurrency(synth({ lambdaConcurrencyLimit: '50' }).template)?.Threshold).toBe(40);
    expect(() => synth({ lambdaConcurrencyLimit: 'lots' })).toThrow(/lambdaConcurrencyLimit/);
  });

  it('alarm math fills the gaps of sparse metrics (a quiet period is 0, not missing)', () => {
    const rate = alarms.find((a) => expressions(a).some((e) => e?.includes('100 * FILL(errors, 0)')));
    expect(expressions(rate ?? {})).toStrictEqual([
      'IF(FILL(requests, 0) > 0, 100 * FILL(errors, 0) / FILL(requests, 0), 0)',
    ]);
    expect(rate).toMatchObject({ Threshold: 1, EvaluationPeriods: 2 });
    const throttles = alarms.filter((a) => expressions(a).includes('FILL(reads, 0) + FILL(writes, 0)'));
    expect(throttles).toHaveLength(3);
  });

  it('alarms on throttles of the feed index, whose metrics the table’s do not include', () => {
    const feed = alarms.filter((a) =>
      (a.Metrics ?? []).some((m: { MetricStat?: { Metric: { Dimensions: { Name: string; Value: unknown }[] } } }) =>
        m.MetricStat?.Metric.Dimensions.some((d) => d.Name === 'GlobalSecondaryIndexName' && d.Value === 'feed'),
      ),
    );
    expect(feed).toHaveLength(1);
    const metrics = feed[0]!.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat);
    expect(
      metrics.map((m: { MetricStat: { Metric: { MetricName: string } } }) => m.MetricStat.Metric.MetricName),
    ).toStrictEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
  });

  it('prod subscribes the alarm address and outputs the topic (for the runbook); prod refuses to synthesize without one', () => {
    prod.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const [topicId] = Object.keys(prod.template.findResources('AWS::SNS::Topic'));
    expect(Object.values(prod.template.findOutputs('AlarmTopicArn'))[0]?.Value).toStrictEqual({ Ref: topicId });
    expect(() => synth({ stage: 'prod', webOrigin: 'https://app.example.com' })).toThrow(/alarmEmail/);
  });

  it('has a dashboard per stage and region, with pushes by outcome, pulls and verifies of its own stage', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
    expect(JSON.stringify(dashboard?.Properties.DashboardName)).toMatch(/mobile-sales-sync-dev-.*AWS::Region/);
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of [
      'PushCreated',
      'PushStale',
      'PushInvalid',
      'RecordsPulled',
      'CursorResets',
      'RecordsVerified',
    ])
      expect(body).toMatch(new RegExp(metric));
    expect(body).toMatch(/\\"stage\\",\\"dev\\"/);
    expect(body).toMatch(/GlobalSecondaryIndexName/);
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    for (const fn of functions) expect(fn.Properties.Environment.Variables.STAGE).toBe('dev');
  });

  it('tags every resource that takes tags with the service and the stage', () => {
    const taggable = [
      'AWS::DynamoDB::Table',
      'AWS::SecretsManager::Secret',
      'AWS::SSM::Parameter',
      'AWS::Lambda::Function',
      'AWS::IAM::Role',
      'AWS::Logs::LogGroup',
      'AWS::ApiGatewayV2::Api',
      'AWS::ApiGatewayV2::Stage',
      'AWS::SNS::Topic',
      'AWS::KMS::Key',
      'AWS::CloudWatch::Alarm',
      'AWS::Cognito::UserPool',
    ];
    for (const [stage, built] of [
      ['dev', dev],
      ['prod', prod],
    ] as const) {
      let checked = 0;
      for (const t of [built.data, built.template]) {
        for (const [id, r] of Object.entries(
          t.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
        )) {
          if (!taggable.includes(r.Type)) continue;
          const raw = r.Properties.Tags ?? r.Properties.UserPoolTags;
          // CloudFormation spells tags as a list of {Key, Value} for most types, a map for some.
          const tags = Array.isArray(raw)
            ? Object.fromEntries((raw as { Key: string; Value: string }[]).map((tag) => [tag.Key, tag.Value]))
            : (raw as Record<string, string> | undefined);
          expect(tags, `${stage} ${r.Type} ${id}`).toMatchObject({ service: 'mobile-sales-sync', stage });
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThan(40);
    }
  });
});

describe.each([
  ['dev', dev],
  ['prod', prod],
] as const)('alarm delivery, %s: every alarm reaches its topic, and only this stack’s alarms can', (_, built) => {
  const apiStack = built.deployment.stacks[1]!;
  const routes = alarmRoutes(built.deployment, apiStack.stackName);
  const alarmCount = Object.keys(built.template.findResources('AWS::CloudWatch::Alarm')).length;

  it('every alarm notifies a topic when it fires and when it clears', () => {
    expect(alarmCount).toBeGreaterThan(20);
    for (const kind of ['AlarmActions', 'OKActions'] as const) {
      const alarms = routes.filter((r) => r.kind === kind).map((r) => r.alarm);
      expect(new Set(alarms).size, kind).toBe(alarmCount);
    }
  });

  it('CloudWatch may publish each alarm to its topic over TLS and use the topic’s key; without TLS it may not', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      const at = `${route.alarm} (${route.kind}) → ${route.topicArn}`;
      const publish = await cloudWatchMay(route, 'sns:Publish');
      if (publish !== 'Allowed') failures.push(`${at}: sns:Publish ${publish} by the topic policy`);
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt'] as const) {
        const result = await cloudWatchMay(route, action);
        if (result !== 'Allowed') failures.push(`${at}: ${action} ${result} by the policy of ${route.keyArn}`);
      }
      const plain = await cloudWatchMay(route, 'sns:Publish', { secureTransport: false });
      if (plain !== 'ExplicitlyDenied') failures.push(`${at}: a publish without TLS is ${plain}, not denied`);
    }
    expect(failures).toStrictEqual([]);
  });

  it('another account’s alarm, or an alarm outside this stack, may not use the topic or the key', async () => {
    const route = routes[0]!;
    const elsewhere = '210987654321';
    const foreign = {
      alarmArn: route.alarmArn.replace(ACCOUNT, elsewhere),
      sourceAccount: elsewhere,
    };
    const outside = { alarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:someone-elses-alarm` };
    for (const as of [foreign, outside]) {
      expect(await cloudWatchMay(route, 'sns:Publish', as), JSON.stringify(as)).not.toBe('Allowed');
      expect(await cloudWatchMay(route, 'kms:GenerateDataKey', as), JSON.stringify(as)).not.toBe('Allowed');
    }
  });
});

describe('the mobile app client', () => {
  it('reads only who the rep is, writes no attribute, and has no OAuth flows', () => {
    data.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ReadAttributes: ['custom:accountId', 'email', 'email_verified'],
      WriteAttributes: [],
      AllowedOAuthFlowsUserPoolClient: false,
      AllowedOAuthFlows: Match.absent(),
      CallbackURLs: Match.absent(),
      ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    });
  });
});

describe('cdk-nag (AWS Solutions)', () => {
  it('finds nothing unacknowledged in dev or prod', () => {
    expect(() => dev.app.synth()).not.toThrow();
    expect(() => prod.app.synth()).not.toThrow();
  });

  it('does fail the synth on a finding (the control)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-nag-'));
    outdirs.push(outdir);
    const { app, data: dataStack } = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    new Table(dataStack, 'Unprotected', { partitionKey: { name: 'k', type: AttributeType.STRING } }); // no PITR
    expect(() => app.synth()).toThrow(/AwsSolutions-DDB3|point-in-time|Validation failed/i);
  });
});
