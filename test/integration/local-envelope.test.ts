// The local server holds every handler to what API Gateway and Lambda
// enforce, so a test over HTTP catches a breach instead of AWS: an event past
// 6 MB and a body past 10 MB are 413 before the handler; a result past 6 MB is
// a 502 with a loud line; a handler past its timeout is stopped and answered
// 500, and nothing it tries after that reaches DynamoDB.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLES } from '../../dev/dynamodb-local.ts';
import type { ExtraRoute } from '../../dev/local-api.ts';
import { json } from '../../functions/http/http-handler.ts';
import { type Stack, startStack } from '../support/local-stack.ts';

const loud: string[] = [];
let stack: Stack;
let lateWrite: Promise<unknown> | undefined;

beforeAll(async () => {
  stack = await startStack({
    timeoutMs: 300,
    log: (line) => loud.push(line),
    contract: false, // routes of its own, to try the local server's limits
    extraRoutes: (client): ExtraRoute[] => [
      {
        name: 'Huge',
        method: 'GET',
        path: '/test/huge',
        authenticated: false,
        // A body that is fine as JSON but over 6 MB once escaped into the proxy result.
        handler: async () => ({ statusCode: 200, body: '"'.repeat(3_200_000) }),
      },
      {
        name: 'Slow',
        method: 'GET',
        path: '/test/slow',
        authenticated: false,
        handler: async () => {
          await new Promise((r) => setTimeout(r, 600));
          lateWrite = client.send(
            new PutCommand({ TableName: LOCAL_TABLES.syncState, Item: { accountId: 'late', sk: 'WRITE' } }),
          );
          await lateWrite.catch(() => undefined);
          return json(200, { ok: true });
        },
      },
    ],
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('the local server enforces the deployed envelope', () => {
  it('answers 502 with a loud line for a result over 6,291,456 bytes, as AWS does', async () => {
    const response = await fetch(`${stack.api.url}/test/huge`);
    expect(response.status).toBe(502);
    expect(loud.some((line) => line.includes('Huge') && line.includes('502'))).toBe(true);
  });

  it('refuses with 413, before the handler, a body whose event would pass 6 MB escaped', async () => {
    const api = await stack.as(stack.newAccount());
    // 3.2 MB of quotes: under the 5 MiB body limit, over 6 MB escaped inside the Lambda event.
    const body = '"'.repeat(3_200_000);
    expect(body.length).toBeLessThan(5 * 1024 * 1024);
    const response = await api.request<{ error: { code: string } }>('POST', '/v1/sync/push', body);
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a body over API Gateway 10 MB with 413', async () => {
    const api = await stack.as(stack.newAccount());
    const response = await api.request('POST', '/v1/sync/push', 'x'.repeat(10 * 1024 * 1024 + 1));
    expect(response.status).toBe(413);
  });

  it('stops a handler at its timeout: answered 500, and its later DynamoDB call never lands', async () => {
    const response = await fetch(`${stack.api.url}/test/slow`);
    expect(response.status).toBe(500);
    expect(await response.json()).toStrictEqual({ message: 'Internal Server Error' });
    await new Promise((r) => setTimeout(r, 500));
    await expect(lateWrite).rejects.toThrow(/timed out/);
    const stored = await stack.client.send(
      new GetCommand({ TableName: LOCAL_TABLES.syncState, Key: { accountId: 'late', sk: 'WRITE' } }),
    );
    expect(stored.Item).toBeUndefined();
  });
});
