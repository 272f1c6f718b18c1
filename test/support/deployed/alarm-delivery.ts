// The path an alarm's notification takes in AWS, followed through the
// synthesized template: the alarm → each topic in its actions → the topic's
// policy → the key the topic is encrypted with → the key's policy. Each step
// is decided by @cloud-copilot/iam-simulate as IAM decides it, for CloudWatch
// (a service principal, so only the resource policies count) acting for
// that alarm. A step that cannot be followed throws, naming it.
import { type EvaluationResult, runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, type Deployment, REGION, type StackTemplate } from '../../../dev/deployment.ts';

export type AlarmRoute = {
  alarm: string;
  alarmArn: string;
  /** Fired (AlarmActions) or cleared (OKActions). */
  kind: 'AlarmActions' | 'OKActions';
  topicArn: string;
  /** The topic's resource policy, resolved; undefined when it has none (SNS's default, which CloudWatch is not in). */
  topicPolicy: unknown;
  keyArn: string;
  keyPolicy: unknown;
};

type Resource = { Type: string; Properties?: Record<string, unknown> };

/** Every (alarm, action) pair of `stackName`'s alarms, with the policies on its way. */
export function alarmRoutes(deployment: Deployment, stackName: string): AlarmRoute[] {
  const stack = deployment.stacks.find((s) => s.stackName === stackName);
  if (stack === undefined) throw new Error(`no stack ${stackName}`);
  const resolve = (value: unknown) => deployment.resolve(value, stack);
  const byArn = (type: string, arn: string) =>
    Object.entries(stack.template.Resources as Record<string, Resource>).find(
      ([logicalId, r]) => r.Type === type && deployment.arn(logicalId, r, stack) === arn,
    );

  const routes: AlarmRoute[] = [];
  for (const { resource } of deployment.resources('AWS::CloudWatch::Alarm').filter((r) => r.stack === stack)) {
    const props = resource.Properties as { AlarmName?: unknown; AlarmActions?: unknown[]; OKActions?: unknown[] };
    if (props.AlarmName === undefined) throw new Error('an alarm without a name: no policy can be held to it');
    const alarm = String(resolve(props.AlarmName));
    const alarmArn = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm}`;
    for (const kind of ['AlarmActions', 'OKActions'] as const) {
      for (const action of props[kind] ?? []) {
        const topicArn = String(resolve(action));
        const topic = byArn('AWS::SNS::Topic', topicArn);
        if (topic === undefined) throw new Error(`${alarm} ${kind}: ${topicArn} is not a topic of ${stackName}`);
        const [topicId, topicResource] = topic;
        const keyArn = String(resolve(topicResource.Properties?.KmsMasterKeyId));
        const key = byArn('AWS::KMS::Key', keyArn);
        if (key === undefined)
          throw new Error(`${alarm}: topic ${topicId} is not encrypted with a key of ${stackName}`);
        routes.push({
          alarm,
          alarmArn,
          kind,
          topicArn,
          topicPolicy: topicPolicyOf(deployment, stack, topicArn),
          keyArn,
          keyPolicy: resolve(key[1].Properties?.KeyPolicy),
        });
      }
    }
  }
  return routes;
}

/** The one AWS::SNS::TopicPolicy naming the topic (a topic has at most one policy). */
function topicPolicyOf(deployment: Deployment, stack: StackTemplate, topicArn: string): unknown {
  const policies = deployment
    .resources('AWS::SNS::TopicPolicy')
    .filter((p) => p.stack === stack)
    .map((p) => p.resource.Properties as { Topics: unknown[]; PolicyDocument: unknown })
    .filter((p) => p.Topics.some((t) => deployment.resolve(t, stack) === topicArn));
  if (policies.length > 1) throw new Error(`${topicArn} has ${policies.length} topic policies; SNS keeps one`);
  return policies[0] === undefined ? undefined : deployment.resolve(policies[0].PolicyDocument, stack);
}

export type AsCloudWatch = {
  /** The alarm CloudWatch says it acts for (aws:SourceArn); default: the route's. */
  alarmArn?: string;
  /** The account that alarm belongs to (aws:SourceAccount); default: this deployment's. */
  sourceAccount?: string;
  /** The request came over TLS (aws:SecureTransport); default true, as CloudWatch's own calls do. */
  secureTransport?: boolean;
};

/** May CloudWatch, acting for an alarm, do `action` on the route's topic (sns:) or key (kms:)? */
export async function cloudWatchMay(
  route: AlarmRoute,
  action: 'sns:Publish' | 'kms:GenerateDataKey' | 'kms:Decrypt',
  as: AsCloudWatch = {},
): Promise<EvaluationResult> {
  const onTopic = action.startsWith('sns:');
  const result = await runSimulation(
    {
      request: {
        principal: 'cloudwatch.amazonaws.com',
        action,
        resource: { resource: onTopic ? route.topicArn : route.keyArn, accountId: ACCOUNT },
        contextVariables: {
          'aws:SourceArn': as.alarmArn ?? route.alarmArn,
          'aws:SourceAccount': as.sourceAccount ?? ACCOUNT,
          'aws:SecureTransport': String(as.secureTransport ?? true),
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...((onTopic ? route.topicPolicy : route.keyPolicy) === undefined
        ? {}
        : { resourcePolicy: onTopic ? route.topicPolicy : route.keyPolicy }),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`IAM simulation failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}
