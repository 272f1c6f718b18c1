// The CDK app: `npx cdk synth`, `npx cdk deploy -c stage=dev` (see README, Deploy).
import { buildApp } from '../lib/app.ts';

buildApp();
