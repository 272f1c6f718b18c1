// The stateful stack: what holds data and identities — the tables, the user
// pool and the cursor key. It changes rarely; the stateless stack (functions,
// API, monitoring) can be redeployed or replaced without touching it. In
// prod it is termination-protected and its resources are retained. It
// publishes what the API stack needs as SSM parameters (lib/parameters.ts).
import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { Auth } from './constructs/auth.ts';
import { type ExistingTables, Tables } from './constructs/tables.ts';
import { type Handoff, parameterName } from './parameters.ts';
import { type Stage, stageSettings } from './stages.ts';

export type DataStackProps = StackProps & {
  stage: Stage;
  /** An existing OIDC issuer and audience instead of the stack's Cognito user pool. */
  jwt?: { issuer: string; audience: string[] };
  /** Tables restored by hand (point-in-time recovery) to use instead of the stack's own. */
  existingTables?: ExistingTables;
};

export class DataStack extends Stack {
  readonly tables: Tables;
  readonly auth: Auth;
  readonly cursorKey: Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    const settings = stageSettings[props.stage];
    super(scope, id, { ...props, terminationProtection: settings.retain });
    this.tables = new Tables(this, 'Tables', { retain: settings.retain, existing: props.existingTables ?? {} });
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
        'Rotating the cursor key would invalidate every device cursor (each would get BAD_CURSOR and start over with a full snapshot); it is rotated by hand, deliberately (docs/deploy.md).',
    });

    const handoff: Record<Handoff, string> = {
      recordsTable: this.tables.records.tableName,
      syncStateTable: this.tables.syncState.tableName,
      cursorKeyArn: this.cursorKey.secretArn,
      jwtIssuer: this.auth.issuer,
      jwtAudience: this.auth.audience.join(','),
    };
    for (const [key, value] of Object.entries(handoff) as [Handoff, string][]) {
      new StringParameter(this, `Handoff-${key}`, {
        parameterName: parameterName(props.stage, key),
        stringValue: value,
        description: `Mobile Sales Sync (${props.stage}): read by the API stack at each deploy`,
      });
    }
  }
}
