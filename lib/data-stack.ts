// The stateful stack: what holds data and identities — the tables, the user
// pool and the cursor key. It changes rarely; the stateless stack (functions,
// API, monitoring) can be redeployed or replaced without touching it. In
// prod it is termination-protected and its resources are retained.
import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Auth } from './constructs/auth.ts';
import { Tables } from './constructs/tables.ts';
import { type Stage, stageSettings } from './stages.ts';

export type DataStackProps = StackProps & {
  stage: Stage;
  /** An existing OIDC issuer and audience instead of the stack's Cognito user pool. */
  jwt?: { issuer: string; audience: string[] };
};

export class DataStack extends Stack {
  readonly tables: Tables;
  readonly auth: Auth;
  readonly cursorKey: Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    const settings = stageSettings[props.stage];
    super(scope, id, { ...props, terminationProtection: settings.retain });
    this.tables = new Tables(this, 'Tables', { retain: settings.retain });
    this.auth = new Auth(this, 'Auth', {
      stage: props.stage,
      retain: settings.retain,
      threatProtection: settings.threatProtection,
      ...(props.jwt ? { external: props.jwt } : {}),
    });
    this.cursorKey = new Secret(this, 'CursorKey', {
      description: 'HMAC key that signs Sync Now and list cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: settings.removalPolicy,
    });
    Validations.of(this.cursorKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the cursor key would invalidate every device cursor (each would get BAD_CURSOR and start over with a full snapshot); it is rotated by hand, deliberately.',
    });
  }
}
