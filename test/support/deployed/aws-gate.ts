// What stands between a deployed function and AWS in the as-deployed test:
// one endpoint per function for DynamoDB (a proxy to DynamoDB Local) and one
// for Secrets Manager (a stand-in holding the stack's secrets). Every call is
// checked against that function's synthesized IAM policies with
// @cloud-copilot/iam-simulate, recorded, and refused as AWS would
// (AccessDeniedException) when the policies do not allow it.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, REGION } from '../../../dev/deployment.ts';

export type AwsCall = { fn: string; action: string; resource: string; allowed: boolean };

export type Gate = { dynamodb: string; secretsManager: string; close: () => Promise<void> };

export type GateOptions = {
  fn: string;
  roleArn: string;
  policies: { name: string; document: unknown }[];
  dynamoDbLocal: string;
  /** Secret ARN → its value (the stand-in's contents). */
  secrets: Map<string, string>;
  calls: AwsCall[];
};

export async function startGate(options: GateOptions): Promise<Gate> {
  const dynamodb = await listen((req, res) => gateDynamoDb(options, req, res));
  const secretsManager = await listen((req, res) => standInSecretsManager(options, req, res));
  return {
    dynamodb: url(dynamodb),
    secretsManager: url(secretsManager),
    close: async () => {
      await Promise.all([close(dynamodb), close(secretsManager)]);
    },
  };
}

/** Is `action` on `resource` allowed by the function's identity policies (IAM's own evaluation)? */
export async function isAllowed(options: GateOptions, action: string, resource: string): Promise<boolean> {
  const result = await runSimulation(
    {
      request: {
        principal: options.roleArn,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
      identityPolicies: options.policies.map((p) => ({ name: p.name, policy: p.document as never })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`IAM simulation failed: ${result.errors.message}`);
  return result.overallResult === 'Allowed';
}

async function check(options: GateOptions, action: string, resources: string[]): Promise<boolean> {
  let allowed = true;
  for (const resource of resources) {
    const ok = await isAllowed(options, action, resource);
    options.calls.push({ fn: options.fn, action, resource, allowed: ok });
    allowed &&= ok;
  }
  return allowed;
}

/** The ARNs a DynamoDB request touches (table, or table/index/name). */
function dynamoDbResources(body: Record<string, unknown>): string[] {
  const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
  if (typeof body.TableName === 'string') {
    return [
      typeof body.IndexName === 'string' ? `${table(body.TableName)}/index/${body.IndexName}` : table(body.TableName),
    ];
  }
  if (typeof body.RequestItems === 'object' && body.RequestItems !== null)
    return Object.keys(body.RequestItems).map(table);
  if (Array.isArray(body.TransactItems)) {
    return body.TransactItems.flatMap((item: Record<string, { TableName: string }>) =>
      Object.values(item).map((op) => table(op.TableName)),
    );
  }
  return ['*'];
}

async function gateDynamoDb(options: GateOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readAll(req);
  const target = String(req.headers['x-amz-target'] ?? ''); // DynamoDB_20120810.PutItem
  const action = `dynamodb:${target.split('.').pop()}`;
  const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
  if (!(await check(options, action, dynamoDbResources(body)))) {
    return deny(res, 'com.amazonaws.dynamodb.v20120810#AccessDeniedException', options, action);
  }
  const upstream = new URL(options.dynamoDbLocal);
  const forward = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on('error', () => res.destroy());
  forward.end(raw);
}

async function standInSecretsManager(options: GateOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readAll(req);
  const target = String(req.headers['x-amz-target'] ?? ''); // secretsmanager.GetSecretValue
  const operation = target.split('.').pop() ?? '';
  const { SecretId } = JSON.parse(raw.toString('utf8') || '{}') as { SecretId?: string };
  const arn =
    [...options.secrets.keys()].find((a) => a === SecretId) ??
    `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SecretId}`;
  const action = `secretsmanager:${operation}`;
  if (!(await check(options, action, [arn]))) {
    return deny(res, 'AccessDeniedException', options, action);
  }
  const value = options.secrets.get(arn);
  if (operation !== 'GetSecretValue' || value === undefined) {
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
    return void res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: `no secret ${SecretId}` }));
  }
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify({ ARN: arn, Name: arn.split(':').pop(), SecretString: value, VersionId: 'v1' }));
}

function deny(res: ServerResponse, type: string, options: GateOptions, action: string): void {
  res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify({ __type: type, message: `${options.roleArn} is not authorized to perform: ${action}` }));
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Server> {
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function url(server: Server): string {
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
