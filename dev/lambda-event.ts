// What API Gateway (HTTP API, payload v2) hands a Lambda function, and the
// Lambda context it runs with: built in one place for the local server and
// for tests that call handlers directly.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { ApiEvent } from '../functions/http/http-handler.ts';

export type EventParts = {
  method: string;
  path: string;
  /** `METHOD /route/{param}`, or `$default`. */
  routeKey: string;
  rawQueryString?: string;
  /** Lower-case names, as API Gateway delivers them. */
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  /** The verified JWT's claims, as strings (what the JWT authorizer passes on). */
  claims: Record<string, string>;
  body?: string;
  protocol?: string;
  sourceIp?: string;
  requestId?: string;
  domainName?: string;
  /** When the request reached the gateway (default: now). */
  timeEpoch?: number;
  /** The body is base64 (API Gateway sends a compressed or binary body so). */
  isBase64Encoded?: boolean;
};

export function apiGatewayEvent(parts: EventParts): ApiEvent {
  const now = new Date(parts.timeEpoch ?? Date.now());
  return {
    version: '2.0',
    routeKey: parts.routeKey,
    rawPath: parts.path,
    rawQueryString: parts.rawQueryString ?? '',
    headers: parts.headers,
    ...(parts.queryStringParameters ? { queryStringParameters: parts.queryStringParameters } : {}),
    ...(parts.pathParameters ? { pathParameters: parts.pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: parts.claims, scopes: [] } },
      domainName: parts.domainName ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: parts.method,
        path: parts.path,
        protocol: parts.protocol ?? 'HTTP/1.1',
        sourceIp: parts.sourceIp ?? '127.0.0.1',
        userAgent: parts.headers['user-agent'] ?? '',
      },
      requestId: parts.requestId ?? randomUUID(),
      routeKey: parts.routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(parts.body !== undefined && parts.body !== '' ? { body: parts.body } : {}),
    isBase64Encoded: parts.isBase64Encoded === true,
  };
}

export function lambdaContext(
  name: string,
  options: { awsRequestId?: string; remainingMs?: () => number; timeoutMs?: number } = {},
): Context {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: options.remainingMs ?? (() => Math.max(0, deadline - Date.now())),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
