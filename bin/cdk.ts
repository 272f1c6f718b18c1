// The CDK app: `npx cdk synth` / `npx cdk deploy -c stage=dev`.
// Context: stage (dev|prod), webOrigin, alarmEmail, jwtIssuer + jwtAudience.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type Stage, SyncStack } from '../lib/sync-stack.ts';

const app = new App();
const stage = (app.node.tryGetContext('stage') ?? 'dev') as string;
if (stage !== 'dev' && stage !== 'prod') throw new Error(`unknown stage "${stage}": use -c stage=dev or -c stage=prod`);
const webOrigin = app.node.tryGetContext('webOrigin') ?? (stage === 'dev' ? 'http://localhost:5173' : undefined);
if (!webOrigin) throw new Error('prod needs the Main App origin for CORS: -c webOrigin=https://app.example.com');
const jwtIssuer = app.node.tryGetContext('jwtIssuer');
const jwtAudience = app.node.tryGetContext('jwtAudience');

new SyncStack(app, `MobileSalesSync-${stage}`, {
  stage: stage as Stage,
  webOrigin,
  ...(jwtIssuer && jwtAudience ? { jwt: { issuer: jwtIssuer, audience: String(jwtAudience).split(',') } } : {}),
  alarmEmail: app.node.tryGetContext('alarmEmail'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: `Mobile Sales Sync backend (${stage})`,
});
// Every AWS Solutions finding fails the synth unless acknowledged in code with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
