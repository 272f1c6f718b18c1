// What the deployment must guarantee, pinned on the synthesized template:
// routes and their authorizer, function settings, exact IAM, table shape,
// alarms; and cdk-nag (AWS Solutions) with nothing unacknowledged.
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

/** The real app, minus bundling (the bundles have their own test). */
function synth(context: Record<string, string> = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
  outdirs.push(outdir);
  const built = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return { ...built, template: Template.fromStack(built.stack) };
}

const dev = synth();
const prod = synth({ stage: 'prod', webOrigin: 'https://app.example.com', alarmEmail: 'ops@example.com' });
const { template } = dev;

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
      JwtConfiguration: { Audience: [{ Ref: Match.stringLikeRegexp('MobileApp') }], Issuer: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: [Match.objectLike({ Name: 'accountId', Mutable: false, AttributeDataType: 'String' })],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  it('can use an existing issuer instead of Cognito', () => {
    const external = synth({ jwtIssuer: 'https://login.example.com', jwtAudience: 'mobile,web' }).template;
    external.resourceCountIs('AWS::Cognito::UserPool', 0);
    external.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
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

  const table = (name: 'Records' | 'SyncState') => ({
    'Fn::GetAtt': [
      logicalIdOf(
        'AWS::DynamoDB::Table',
        name === 'Records'
          ? { TimeToLiveSpecification: Match.anyValue() }
          : { KeySchema: Match.arrayWith([Match.objectLike({ AttributeName: 'accountId' })]) },
      ),
      'Arn',
    ],
  });
  const feed = () => ({ 'Fn::Join': ['', [table('Records'), '/index/feed']] });

  for (const route of routes) {
    it(`${route.name}: exactly the DynamoDB actions and ARNs it needs`, () => {
      const fnId = Object.keys(functions).find((id) => id.startsWith(route.name))!;
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
        ...(route.access.records
          ? [
              {
                actions: route.access.records.actions,
                resources: route.access.records.on.map((on) => (on === 'table' ? table('Records') : feed())),
              },
            ]
          : []),
        ...(route.access.syncState
          ? [{ actions: route.access.syncState.actions, resources: [table('SyncState')] }]
          : []),
      ];
      expect(dynamo.map((s) => ({ actions: [s.Action].flat(), resources: [s.Resource].flat() }))).toStrictEqual(
        expected.map((e) => ({ actions: e.actions, resources: e.resources })),
      );
      const secretAccess = statements.some((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
      expect(secretAccess, 'only cursor routes read the cursor key').toBe(route.access.cursors === true);
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
    template.hasResourceProperties('AWS::DynamoDB::Table', {
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
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'accountId', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('prod retains and protects the tables; dev can be torn down', () => {
    for (const table of Object.values(prod.template.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    }
    for (const table of Object.values(template.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.DeletionProtectionEnabled).toBe(false);
    }
  });
});

describe('operations', () => {
  it('alarms on every function error, the 5xx rate, p99 latency and throttles on both tables, to an encrypted topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const errors = alarms.filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda');
    expect(errors).toHaveLength(routes.length + 1);
    for (const a of errors) expect(a).toMatchObject({ Threshold: 1, Period: 300 });
    const rate = alarms.find((a) =>
      a.Metrics?.some((m: { Expression?: string }) => m.Expression?.includes('100 * errors')),
    );
    expect(rate?.Threshold).toBe(1);
    expect(rate?.EvaluationPeriods).toBe(2);
    const latency = alarms.find((a) => a.ExtendedStatistic === 'p99');
    expect(latency?.Threshold).toBe(3000);
    const throttles = alarms.filter((a) =>
      a.Metrics?.some((m: { Expression?: string }) => m.Expression === 'reads + writes'),
    );
    expect(throttles).toHaveLength(2);
    for (const a of alarms)
      expect(a.AlarmActions, JSON.stringify(a.Dimensions ?? a.Metrics)).toEqual([expect.anything()]);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    prod.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('has a dashboard with pushes by outcome and pulls', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of ['PushCreated', 'PushStale', 'PushInvalid', 'RecordsPulled', 'CursorResets'])
      expect(body).toMatch(new RegExp(metric));
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
    const { app, stack } = buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    new Table(stack, 'Unprotected', { partitionKey: { name: 'k', type: AttributeType.STRING } }); // no PITR
    expect(() => app.synth()).toThrow(/AwsSolutions-DDB3|point-in-time|Validation failed/i);
  });
});
