// The CDK app as a function, so `npx cdk synth` and the tests build exactly
// the same thing. Context: stage (dev|prod), webOrigin, alarmEmail,
// jwtIssuer + jwtAudience (an existing OIDC issuer instead of Cognito).
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type Stage, SyncStack } from './sync-stack.ts';

export function buildApp(props: AppProps = {}): { app: App; stack: SyncStack } {
  const app = new App(props);
  const context = (key: string): string | undefined => app.node.tryGetContext(key);
  const stage = context('stage') ?? 'dev';
  if (stage !== 'dev' && stage !== 'prod')
    throw new Error(`unknown stage "${stage}": use -c stage=dev or -c stage=prod`);
  const webOrigin = context('webOrigin') ?? (stage === 'dev' ? 'http://localhost:5173' : undefined);
  if (!webOrigin) throw new Error('prod needs the Main App origin for CORS: -c webOrigin=https://app.example.com');
  const jwtIssuer = context('jwtIssuer');
  const jwtAudience = context('jwtAudience');
  const alarmEmail = context('alarmEmail');

  const stack = new SyncStack(app, `MobileSalesSync-${stage}`, {
    stage: stage as Stage,
    webOrigin,
    ...(jwtIssuer && jwtAudience ? { jwt: { issuer: jwtIssuer, audience: jwtAudience.split(',') } } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: `Mobile Sales Sync backend (${stage})`,
  });
  // Every AWS Solutions finding fails the synth unless acknowledged in code with a reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
