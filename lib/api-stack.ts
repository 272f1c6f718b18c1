// The stateless stack: the functions, the HTTP API in front of them and the
// monitoring. It holds no data, so it can be redeployed, or destroyed and
// recreated, without touching the tables, the users or the cursor key: it
// finds them in the SSM parameters the data stack publishes, read at each
// deploy. With a custom domain, the address apps use outlives the stack.
import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { DomainName } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate, CertificateValidation, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { FEED_INDEX } from '../functions/store/tables.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { SyncApi } from './constructs/sync-api.ts';
import { type Handoff, parameterName } from './parameters.ts';
import { type Stage, stageSettings } from './stages.ts';

/** A custom domain for the API: an ACM certificate's ARN, and/or a Route 53 zone (to validate one and add the alias). */
export type CustomDomain = {
  domainName: string;
  certificateArn?: string;
  zone?: { hostedZoneId: string; zoneName: string };
};

export type ApiStackProps = StackProps & {
  stage: Stage;
  /** The Main App's origin, for CORS. */
  webOrigin: string;
  /** Where alarms are sent. */
  alarmEmail?: string | undefined;
  /** The address apps embed; without one, the execute-api URL (which a new API stack changes). */
  domain?: CustomDomain | undefined;
  /** The account's Lambda concurrency quota (`aws lambda get-account-settings`). */
  lambdaConcurrencyLimit: number;
};

export class ApiStack extends Stack {
  readonly syncApi: SyncApi;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const settings = stageSettings[props.stage];
    const handoff = (key: Handoff) => StringParameter.valueForStringParameter(this, parameterName(props.stage, key));
    const records = Table.fromTableAttributes(this, 'Records', {
      tableName: handoff('recordsTable'),
      globalIndexes: [FEED_INDEX],
    });
    const syncState = Table.fromTableName(this, 'SyncState', handoff('syncStateTable'));
    const cursorKey = Secret.fromSecretCompleteArn(this, 'CursorKey', handoff('cursorKeyArn'));
    const domainName = props.domain ? customDomain(this, props.domain) : undefined;

    this.syncApi = new SyncApi(this, 'Sync', {
      stage: props.stage,
      webOrigin: props.webOrigin,
      tables: { records, syncState },
      cursorKey,
      auth: { issuer: handoff('jwtIssuer'), audience: Fn.split(',', handoff('jwtAudience')) },
      ...(domainName ? { domainName } : {}),
      logRetention: settings.logRetention,
      // Logs are operational data of this stack: they go with it in dev, stay in prod.
      removalPolicy: settings.removalPolicy,
      rateLimit: settings.rateLimit,
      burstLimit: settings.burstLimit,
      anonymousRateLimit: settings.anonymousRateLimit,
      anonymousBurstLimit: settings.anonymousBurstLimit,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: props.stage,
      api: this.syncApi.api,
      functions: this.syncApi.functions,
      tables: { Records: records, SyncState: syncState },
      feedIndex: { table: records, indexName: FEED_INDEX },
      alarmEmail: props.alarmEmail,
      lambdaConcurrencyLimit: props.lambdaConcurrencyLimit,
      removalPolicy: settings.removalPolicy,
    });
    new CfnOutput(this, 'ApiUrl', {
      description: 'The address apps embed',
      value: props.domain ? `https://${props.domain.domainName}` : this.syncApi.api.apiEndpoint,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Where alarms go: confirm the e-mail subscription, then fire a test alarm (docs/deploy.md)',
      value: this.monitoring.topic.topicArn,
    });
    if (domainName && !props.domain?.zone) {
      new CfnOutput(this, 'DomainTarget', {
        description: `Point ${props.domain?.domainName} here (CNAME, or an alias record in Route 53)`,
        value: domainName.regionalDomainName,
      });
    }
  }
}

function customDomain(scope: Construct, domain: CustomDomain): DomainName {
  const zone = domain.zone ? HostedZone.fromHostedZoneAttributes(scope, 'Zone', domain.zone) : undefined;
  let certificate: ICertificate;
  if (domain.certificateArn) certificate = Certificate.fromCertificateArn(scope, 'Certificate', domain.certificateArn);
  else if (zone) {
    certificate = new Certificate(scope, 'Certificate', {
      domainName: domain.domainName,
      validation: CertificateValidation.fromDns(zone),
    });
  } else throw new Error(`${domain.domainName}: a certificate ARN or a hosted zone is needed`);
  const domainName = new DomainName(scope, 'Domain', { domainName: domain.domainName, certificate });
  if (zone) {
    const target = RecordTarget.fromAlias(
      new ApiGatewayv2DomainProperties(domainName.regionalDomainName, domainName.regionalHostedZoneId),
    );
    new ARecord(scope, 'DomainAlias', { zone, recordName: domain.domainName, target });
  }
  return domainName;
}
