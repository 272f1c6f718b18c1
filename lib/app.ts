// The CDK app as a function, so `npx cdk synth` and the tests build exactly
// the same thing: for a stage, a stateful data stack and a stateless API
// stack. Context (docs/deploy.md lists every key): stage (dev|prod), region,
// webOrigin, alarmEmail (required in prod), jwtIssuer + jwtAudience (an
// existing OIDC issuer instead of Cognito), domainName with certificateArn
// and/or hostedZoneId + hostedZoneName, lambdaConcurrencyLimit, and
// <stage>:recordsTable / <stage>:syncStateTable (a table restored by hand).
import { Annotations, App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiStack, type CustomDomain } from './api-stack.ts';
import { DataStack } from './data-stack.ts';
import { DEFAULT_LAMBDA_CONCURRENCY_LIMIT, stageSettings } from './stages.ts';

export const SERVICE_TAG = 'mobile-sales-sync';

export type BuiltApp = { app: App; data: DataStack; api: ApiStack };

export function buildApp(props: AppProps = {}): BuiltApp {
  const app = new App(props);
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const stage = context('stage') ?? 'dev';
  if (stage !== 'dev' && stage !== 'prod')
    throw new Error(`unknown stage "${stage}": use -c stage=dev or -c stage=prod`);
  const settings = stageSettings[stage];
  const webOrigin = context('webOrigin') ?? (stage === 'dev' ? 'http://localhost:5173' : undefined);
  if (!webOrigin) throw new Error('prod needs the Main App origin for CORS: -c webOrigin=https://app.example.com');
  const alarmEmail = context('alarmEmail');
  if (stage === 'prod' && !alarmEmail) {
    throw new Error('prod needs somewhere to send alarms: -c alarmEmail=oncall@example.com');
  }
  const jwtIssuer = context('jwtIssuer');
  const jwtAudience = context('jwtAudience');
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: context('region') ?? settings.region };

  const data = new DataStack(app, `MobileSalesSync-${stage}-data`, {
    stage,
    ...(jwtIssuer && jwtAudience ? { jwt: { issuer: jwtIssuer, audience: jwtAudience.split(',') } } : {}),
    existingTables: { records: context(`${stage}:recordsTable`), syncState: context(`${stage}:syncStateTable`) },
    env,
    description: `Mobile Sales Sync data: tables, users, cursor key (${stage})`,
  });
  const api = new ApiStack(app, `MobileSalesSync-${stage}-api`, {
    stage,
    webOrigin,
    alarmEmail,
    domain: customDomain(context),
    lambdaConcurrencyLimit: concurrencyLimit(context('lambdaConcurrencyLimit')),
    env,
    description: `Mobile Sales Sync API: functions, HTTP API, monitoring (${stage})`,
  });
  // The API stack reads what the data stack publishes in SSM, not its exports
  // (an export cannot change while imported): this only orders `deploy --all`.
  api.addStackDependency(data, 'reads the tables, issuer and cursor key the data stack publishes');
  if (context('lambdaConcurrencyLimit') === undefined) {
    Annotations.of(api).addWarningV2(
      'mobile-sales-sync:concurrency-limit',
      `No -c lambdaConcurrencyLimit: the concurrency alarm assumes ${DEFAULT_LAMBDA_CONCURRENCY_LIMIT} (docs/deploy.md, "Before the first deploy").`,
    );
  }
  // Every resource that takes tags says what it belongs to, for cost and ownership. Not the
  // dashboard: CloudFormation took its tags only in 2026 and cfn-lint 1.51 still rejects them
  // (E3002); its name carries the stage, and it costs a flat $3 a month.
  const tagged = { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] };
  Tags.of(app).add('service', SERVICE_TAG, tagged);
  Tags.of(app).add('stage', stage, tagged);
  // Every AWS Solutions finding fails the synth unless acknowledged in code with a reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, data, api };
}

function customDomain(context: (key: string) => string | undefined): CustomDomain | undefined {
  const domainName = context('domainName');
  const certificateArn = context('certificateArn');
  const hostedZoneId = context('hostedZoneId');
  const hostedZoneName = context('hostedZoneName');
  if (!domainName) {
    if (certificateArn || hostedZoneId || hostedZoneName)
      throw new Error('certificateArn, hostedZoneId and hostedZoneName only mean something with -c domainName');
    return undefined;
  }
  if ((hostedZoneId === undefined) !== (hostedZoneName === undefined))
    throw new Error('a hosted zone needs both -c hostedZoneId and -c hostedZoneName');
  const zone = hostedZoneId && hostedZoneName ? { hostedZoneId, zoneName: hostedZoneName } : undefined;
  if (!certificateArn && !zone) {
    throw new Error(
      `-c domainName=${domainName} needs -c certificateArn (an ACM certificate in the stack's region) or -c hostedZoneId and -c hostedZoneName (a Route 53 zone to validate one in)`,
    );
  }
  return { domainName, ...(certificateArn ? { certificateArn } : {}), ...(zone ? { zone } : {}) };
}

function concurrencyLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LAMBDA_CONCURRENCY_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`-c lambdaConcurrencyLimit must be the account's concurrency quota, a positive integer: "${raw}"`);
  }
  return limit;
}
