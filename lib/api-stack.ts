// The stateless stack: the functions, the HTTP API in front of them and the
// monitoring. It holds no data, so it can be redeployed, or destroyed and
// recreated, without touching the tables, the users or the cursor key (they
// live in the data stack and come in as references).
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Monitoring } from './constructs/monitoring.ts';
import { SyncApi } from './constructs/sync-api.ts';
import type { DataStack } from './data-stack.ts';
import { type Stage, stageSettings } from './stages.ts';

export type ApiStackProps = StackProps & {
  stage: Stage;
  data: DataStack;
  /** The Main App's origin, for CORS. */
  webOrigin: string;
  /** Where alarms are sent. */
  alarmEmail?: string | undefined;
};

export class ApiStack extends Stack {
  readonly syncApi: SyncApi;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const settings = stageSettings[props.stage];
    const { tables, auth, cursorKey } = props.data;
    this.syncApi = new SyncApi(this, 'Sync', {
      stage: props.stage,
      webOrigin: props.webOrigin,
      tables: { records: tables.records, syncState: tables.syncState },
      cursorKey,
      auth: { issuer: auth.issuer, audience: auth.audience },
      logRetention: settings.logRetention,
      // Logs are operational data of this stack: they go with it in dev, stay in prod.
      removalPolicy: settings.removalPolicy,
      rateLimit: settings.rateLimit,
      burstLimit: settings.burstLimit,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: props.stage,
      api: this.syncApi.api,
      functions: this.syncApi.functions,
      tables: { Records: tables.records, SyncState: tables.syncState },
      alarmEmail: props.alarmEmail,
      removalPolicy: settings.removalPolicy,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.syncApi.api.apiEndpoint });
  }
}
