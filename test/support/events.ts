// API Gateway events and a Lambda context for calling handlers directly,
// with test defaults (a JSON content type, an authenticated caller).

import { apiGatewayEvent, lambdaContext as contextFor } from '../../dev/lambda-event.ts';
import type { ApiEvent } from '../../functions/http/http-handler.ts';

export function apiEvent(options: {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  claims?: Record<string, string> | null;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
}): ApiEvent {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return apiGatewayEvent({
    method: options.method,
    path: options.path,
    routeKey: `${options.method} ${options.path}`,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    claims: options.claims === null ? {} : (options.claims ?? { sub: 'alice', 'custom:accountId': 'acme' }),
    ...(body === undefined ? {} : { body }),
  });
}

export const lambdaContext = contextFor('test', { awsRequestId: 'aws-req-42', remainingMs: () => 10_000 });
