// What the deployment must guarantee, pinned on the synthesized templates of
// both stacks (data: tables, users, cursor key; api: functions, routes,
// monitoring): routes and their authorizer, function settings, exact IAM,
// table shape, alarms that can notify; and cdk-nag (AWS Solutions) with
// nothing unacknowledged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes.ts';
import { buildApp } from '../../lib/app.ts';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** The real app, minus bundling (the as-deployed test runs the bundles). */
function synth(context: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
  outdirs.push(outdir);
  const built = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const { app, data: dataStack, api: apiStack } = built;
  return { app, dataStack, apiStack, template: Template.fromStack(apiStack), data: Template.fromStack(dataStack) };
}

const dev = synth();
const prod = synth({ stage: 'prod', webOrigin: 'https://app.example.com', alarmEmail: 'ops@example.com' });
/** The stateless stack (functions, API, monitoring) and the stateful one (tables, users, key). */
const { template, data } = dev;

const logicalIdOf = (type: string, props: Record<string, unknown>) => {
  const found = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(found, `${type} ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0]!;
};

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
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ 'Fn::ImportValue': Match.stringLikeRegexp('MobileApp') }],
        Issuer: Match.anyValue(),
      },
    });
    data.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: [Match.objectLike({ Name: 'accountId', Mutable: false, AttributeDataType: 'String' })],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('can use an existing issuer instead of Cognito', () => {
    const external = synth({ jwtIssuer: 'https://login.example.com', jwtAudience: 'mobile,web' });
    external.data.resourceCountIs('AWS::Cognito::UserPool', 0);
    external.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Issuer: 'https://login.example.com', Audience: ['mobile', 'web'] },
    });
  });

  it('throttles the stage, logs access and allows the Main App origin', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://app.example.com'] }),
    });
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

  // The tables live in the data stack: the api stack imports their ARNs.
  const imports = [...new Set(JSON.stringify(template.toJSON()).match(/MobileSalesSync-dev-data:ExportsOutput\w+/g))];
  const table = (name: 'Records' | 'SyncState') => {
    const found = imports.filter((i) => new RegExp(`FnGetAttTables${name}[0-9A-F]{8}Arn`).test(i));
    expect(found, name).toHaveLength(1);
    return { 'Fn::ImportValue': found[0] };
  };
  const feed = () => ({ 'Fn::Join': ['', [table('Records'), '/index/feed']] });

  for (const route of routes) {
    it(`${route.name}: exactly the DynamoDB actions and ARNs it needs`, () => {
      const fnId = Object.keys(functions).find((id) => id.startsWith(`Sync${route.name}`))!;
      const roleId = functions[fnId]!.Properties.Role['Fn::GetAtt'][0];
      const policies = Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
      );
      const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement) as {
        Action: string | string[];
        Resource: unknown;
      }[];
      const dynamo = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
      const expected = [
        ...(route.needs.records
          ? [
              {
                actions: route.needs.records.actions,
                resources: route.needs.records.on.map((on) => (on === 'table' ? table('Records') : feed())),
              },
            ]
          : []),
        ...(route.needs.syncState ? [{ actions: route.needs.syncState.actions, resources: [table('SyncState')] }] : []),
      ];
      expect(dynamo.map((s) => ({ actions: [s.Action].flat(), resources: [s.Resource].flat() }))).toStrictEqual(
        expected.map((e) => ({ actions: e.actions, resources: e.resources })),
      );
      const secretAccess = statements.some((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
      expect(secretAccess, 'only cursor routes read the cursor key').toBe(route.needs.cursorKey === true);
      // Listed rather than a bare every(): a failure names the offending action.
      const forbidden = statements
        .flatMap((s) => [s.Action].flat())
        .filter((a) => /^dynamodb:(Scan|DeleteTable|DeleteItem|\*)$/.test(a));
      expect(forbidden).toStrictEqual([]);
    });
  }
});

describe('tables', () => {
  it('records: pk/id keys, the feed index on changedAt, TTL on expiresAt, PITR, on demand', () => {
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
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('sync state: accountId/sk keys', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'accountId', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
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

  it('prod retains and protects the tables; dev can be torn down', () => {
    for (const table of Object.values(prod.data.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    }
    for (const table of Object.values(data.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    }
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
    expect(byMetric('ConcurrentExecutions')).toMatchObject([{ Threshold: 800, Statistic: 'Maximum' }]);
    const latency = alarms.find((a) => a.ExtendedStatistic === 'p99');
    expect(latency?.Threshold).toBe(3000);
  });

  it('alarm math fills the gaps of sparse metrics (a quiet period is 0, not missing)', () => {
    const rate = alarms.find((a) => expressions(a).some((e) => e?.includes('100 * FILL(errors, 0)')));
    expect(expressions(rate ?? {})).toStrictEqual([
      'IF(FILL(requests, 0) > 0, 100 * FILL(errors, 0) / FILL(requests, 0), 0)',
    ]);
    expect(rate).toMatchObject({ Threshold: 1, EvaluationPeriods: 2 });
    const throttles = alarms.filter((a) => expressions(a).includes('FILL(reads, 0) + FILL(writes, 0)'));
    expect(throttles).toHaveLength(2);
  });

  it('every alarm notifies a topic encrypted with a key CloudWatch may use', () => {
    for (const a of alarms)
      expect(a.AlarmActions, JSON.stringify(a.Dimensions ?? a.Metrics)).toEqual([expect.anything()]);
    const keyId = logicalIdOf('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Effect: 'Allow',
          }),
        ]),
      },
    });
    prod.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('prod refuses to synthesize without an alarm email', () => {
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
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    for (const fn of functions) expect(fn.Properties.Environment.Variables.STAGE).toBe('dev');
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
