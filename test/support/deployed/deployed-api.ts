// The synthesized stacks, running as AWS would run them, on this machine:
// tables created from the template's own table definitions in DynamoDB
// Local; each function's synthesized bundle in its own process with exactly
// the environment the template gives it (Refs resolved) plus what Lambda
// sets; the AWS SDK pointed at local endpoints the standard way
// (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SECRETS_MANAGER); every SDK
// call checked against that function's synthesized IAM policies; and
// requests routed by the template's own API Gateway routes.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { AppProps } from 'aws-cdk-lib';
import { ACCOUNT, type DeployedFunction, type Deployment, REGION, synthesize } from '../../../dev/deployment.ts';
import { startDynamoDbLocal } from '../../../dev/dynamodb-local.ts';
import { apiGatewayEvent } from '../../../dev/lambda-event.ts';
import { type AwsCall, type Gate, startGate } from './aws-gate.ts';
import { withDirectEsbuild } from './direct-esbuild.ts';
import { type Invocation, LambdaProcess } from './lambda-runner.ts';

export type Call = {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  claims?: Record<string, string>;
};

/** What API Gateway sends back: `bytes` as they go on the wire (a base64 result decoded), `body` as UTF-8 text. */
export type Answer = {
  status: number;
  headers: Record<string, string>;
  body: string;
  bytes: Buffer;
  invocation: Invocation;
  /** The function that answered (its logical id). */
  fn: string;
  /** The AWS calls it made for this request, with IAM's verdict. */
  awsCalls: AwsCall[];
};

/** A function as deployed, changed: e.g. a variable or a grant taken away. */
export type Alteration = (fn: DeployedFunction) => DeployedFunction;

export type DeployedApi = {
  deployment: Deployment;
  functions: DeployedFunction[];
  /** Every AWS call any function made, with IAM's verdict. */
  calls: AwsCall[];
  request: (call: Call) => Promise<Answer>;
  /** Restarts the function whose logical id starts with `prefix` as `alter` makes it; the returned function restores it. */
  alter: (prefix: string, alter: Alteration) => Promise<() => Promise<void>>;
  stop: () => Promise<void>;
};

/** The access key every deployed function signs with: tables are created under it (DynamoDB Local keeps one database per key). */
const ACCESS_KEY = 'ASIAASDEPLOYEDTEST00';

export async function startDeployedApi(
  outdir: string,
  context: AppProps['context'],
  /** A DynamoDB Local already running (the test run's): used, and left running. Unset: one of its own. */
  options: { dynamoEndpoint?: string } = {},
): Promise<DeployedApi> {
  const deployment = withDirectEsbuild(() => synthesize(outdir, context));
  const own = options.dynamoEndpoint === undefined ? await startDynamoDbLocal() : null;
  const dynamo = { endpoint: options.dynamoEndpoint ?? own!.endpoint };
  const calls: AwsCall[] = [];
  const gates: Gate[] = [];
  const lambdas = new Map<string, LambdaProcess>();
  let secrets = new Map<string, string>();
  /** A function's own gate (checking its policies) and its Lambda process. */
  async function launch(fn: DeployedFunction): Promise<LambdaProcess> {
    const gate = await startGate({
      fn: fn.logicalId,
      roleArn: fn.roleArn,
      policies: fn.policies,
      dynamoDbLocal: dynamo.endpoint,
      secrets,
      calls,
    });
    gates.push(gate);
    return LambdaProcess.start(fn, lambdaEnvironment(fn, gate));
  }
  try {
    await createTablesFromTemplate(deployment, dynamo);
    secrets = new Map(
      deployment
        .resources('AWS::SecretsManager::Secret')
        .map(({ logicalId, resource, stack }) => [
          deployment.arn(logicalId, resource, stack),
          randomBytes(32).toString('hex'),
        ]),
    );
    // Side by side: each is a Node process loading its bundle.
    await Promise.all(deployment.functions().map(async (fn) => lambdas.set(fn.logicalId, await launch(fn))));
  } catch (error) {
    await stopAll();
    throw error;
  }

  const routes = deployment.routes();
  async function stopAll() {
    await Promise.all([...lambdas.values()].map((l) => l.stop()));
    await Promise.all(gates.map((g) => g.close()));
    await own?.stop();
    rmSync(outdir, { recursive: true, force: true });
  }

  return {
    deployment,
    functions: deployment.functions(),
    calls,
    stop: stopAll,
    async request(call) {
      const url = new URL(call.path, 'https://api.example.com');
      const match = matchRoute(routes, call.method, url.pathname);
      const lambda = lambdas.get(match.route.functionLogicalId);
      if (lambda === undefined) throw new Error(`no function for ${match.route.routeKey}`);
      const event = apiGatewayEvent({
        method: call.method,
        path: url.pathname,
        routeKey: match.route.routeKey,
        rawQueryString: url.search.slice(1),
        headers: { host: 'api.example.com', ...call.headers },
        ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
        ...(Object.keys(match.params).length > 0 ? { pathParameters: match.params } : {}),
        claims: match.route.authorizationType === 'JWT' ? (call.claims ?? {}) : {},
        ...(call.body !== undefined ? { body: call.body } : {}),
      });
      if (call.isBase64Encoded) event.isBase64Encoded = true;
      const before = calls.length;
      const invocation = await lambda.invoke(event);
      return { ...toAnswer(invocation), fn: lambda.fn.logicalId, awsCalls: calls.slice(before) };
    },
    async alter(prefix, alteration) {
      const original = deployment.functions().find((f) => f.logicalId.startsWith(prefix));
      if (original === undefined) throw new Error(`no function ${prefix}`);
      const swap = async (fn: DeployedFunction) => {
        await lambdas.get(fn.logicalId)?.stop();
        lambdas.set(fn.logicalId, await launch(fn));
      };
      await swap(alteration(structuredClone(original)));
      return () => swap(original);
    },
  };
}

/**
 * Why an answer is not the service's own, in one plain sentence, or
 * undefined: the function failed (at cold start: what it lacked), or IAM
 * refused one of its AWS calls (the grant it lacks), or Lambda refused the
 * event or the result.
 */
export function troubleWith(answer: Answer): string | undefined {
  const name = answer.fn.replace(/^Sync/, '').replace(/[0-9A-F]{8}$/, '');
  const denied = answer.awsCalls.filter((c) => !c.allowed);
  if (denied.length > 0) {
    const grants = [...new Set(denied.map((c) => `${c.action} on ${c.resource}`))];
    return `${name} was denied ${grants.join(', ')}: its role lacks that grant`;
  }
  const { invocation } = answer;
  if (invocation.ok) return undefined;
  // The first line of a stack names the error; the rest is the bundle's minified frames.
  const detail = invocation.detail.split('\n')[0]?.replace(/^init failed: /, '');
  if (invocation.detail.startsWith('init failed')) return `${name} failed at cold start: ${detail}`;
  return `${name} failed (${invocation.reason}): ${detail}`;
}

/** What Lambda sets in every environment, plus the template's variables and the local endpoints. */
function lambdaEnvironment(fn: DeployedFunction, gate: Gate): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: 'as-deployed-test-secret-key',
    AWS_SESSION_TOKEN: 'as-deployed-test-session',
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.logicalId}`,
    _HANDLER: fn.handler,
    // The harness runs Node 20; Lambda runs 22 (the SDK's Node-version banner is noise here).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // No X-Ray daemon on this machine.
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...fn.environment,
    AWS_ENDPOINT_URL_DYNAMODB: gate.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: gate.secretsManager,
  };
}

/** API Gateway's answer for a Lambda proxy invocation (payload format 2.0). */
function toAnswer(invocation: Invocation): Omit<Answer, 'fn' | 'awsCalls'> {
  if (!invocation.ok) {
    // A failed invocation (crash, timeout, oversized result) is API Gateway's own 500 or 502, or 413 for the event.
    const status = invocation.reason === 'event-too-large' ? 413 : invocation.reason === 'result-too-large' ? 502 : 500;
    const body = JSON.stringify({ message: 'Internal Server Error' });
    return { status, headers: {}, body, bytes: Buffer.from(body), invocation };
  }
  const result = invocation.result as {
    statusCode?: number;
    headers?: Record<string, string>;
    body?: string;
    isBase64Encoded?: boolean;
  };
  const bytes = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  return {
    status: result.statusCode ?? 200,
    headers: result.headers ?? {},
    body: bytes.toString('utf8'),
    bytes,
    invocation,
  };
}

function matchRoute(routes: ReturnType<Deployment['routes']>, method: string, path: string) {
  // As API Gateway: the most specific route first, greedy {proxy+} last.
  const ordered = [...routes].sort((a, b) => Number(a.routeKey.includes('+}')) - Number(b.routeKey.includes('+}')));
  for (const route of ordered) {
    if (route.routeKey === '$default') continue;
    const [routeMethod, routePath] = route.routeKey.split(' ') as [string, string];
    if (routeMethod !== method && routeMethod !== 'ANY') continue;
    const names: string[] = [];
    const pattern = routePath.replace(/\{(\w+)\+?\}/g, (_, name: string) => {
      names.push(name);
      return routePath.includes(`{${name}+}`) ? '(.+)' : '([^/]+)';
    });
    const found = new RegExp(`^${pattern}$`).exec(path);
    if (found) {
      return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1] ?? '')])) };
    }
  }
  throw new Error(`no route for ${method} ${path}`);
}

async function createTablesFromTemplate(deployment: Deployment, dynamo: { endpoint: string }): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: REGION,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'local' },
  });
  try {
    for (const { logicalId, resource, stack } of deployment.resources('AWS::DynamoDB::Table')) {
      const props = resource.Properties as {
        AttributeDefinitions: AttributeDefinition[];
        KeySchema: KeySchemaElement[];
        GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
        TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
      };
      const TableName = deployment.physicalName(logicalId, stack);
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: props.AttributeDefinitions,
          KeySchema: props.KeySchema,
          ...(props.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: props.GlobalSecondaryIndexes } : {}),
        }),
      );
      if (props.TimeToLiveSpecification?.Enabled) {
        await client.send(
          new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: props.TimeToLiveSpecification }),
        );
      }
    }
  } finally {
    client.destroy();
  }
}

export { ACCOUNT, REGION };
