// The CDK app as a function, so `npx cdk synth` and the tests build exactly
// the same thing: for a stage, a stateful data stack and a stateless API
// stack. Context: stage (dev|prod), webOrigin, alarmEmail (required in prod),
// jwtIssuer + jwtAudience (an existing OIDC issuer instead of Cognito).
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiStack } from './api-stack.ts';
import { DataStack } from './data-stack.ts';
import type { Stage } from './stages.ts';

export type BuiltApp = { app: App; data: DataStack; api: ApiStack };

export function buildApp(props: AppProps = {}): BuiltApp {
  const app = new App(props);
  const context = (key: string): string | undefined => app.node.tryGetContext(key);
  const stage = context('stage') ?? 'dev';
  if (stage !== 'dev' && stage !== 'prod')
    throw new Error(`unknown stage "${stage}": use -c stage=dev or -c stage=prod`);
  const webOrigin = context('webOrigin') ?? (stage === 'dev' ? 'http://localhost:5173' : undefined);
  if (!webOrigin) throw new Error('prod needs the Main App origin for CORS: -c webOrigin=https://app.example.com');
  const alarmEmail = context('alarmEmail');
  if (stage === 'prod' && !alarmEmail) {
    throw new Error('prod needs somewhere to send alarms: -c alarmEmail=oncall@example.com');
  }
  const jwtIssuer = context('jwtIssuer');
  const jwtAudience = context('jwtAudience');
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

  const data = new DataStack(app, `MobileSalesSync-${stage}-data`, {
    stage: stage as Stage,
    ...(jwtIssuer && jwtAudience ? { jwt: { issuer: jwtIssuer, audience: jwtAudience.split(',') } } : {}),
    env,
    description: `Mobile Sales Sync data: tables, users, cursor key (${stage})`,
  });
  const api = new ApiStack(app, `MobileSalesSync-${stage}-api`, {
    stage: stage as Stage,
    data,
    webOrigin,
    alarmEmail,
    env,
    description: `Mobile Sales Sync API: functions, HTTP API, monitoring (${stage})`,
  });
  // Every AWS Solutions finding fails the synth unless acknowledged in code with a reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, data, api };
}
