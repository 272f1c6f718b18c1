// Handlers with a mocked DynamoDB: the paths a real database will not easily
// produce on demand (a lost condition with the winner attached, throttling
// past retries, an unexpected failure), and the order of the HTTP checks.
import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { lambdaContext as contextFor } from '../../dev/lambda-event.ts';
import { buildServices } from '../../functions/deps.ts';
import { recordsGet } from '../../functions/records-get.ts';
import { recordsPut } from '../../functions/records-put.ts';
import { createDocumentClient } from '../../functions/store/client.ts';
import { syncNow } from '../../functions/sync-now.ts';
import { syncPush } from '../../functions/sync-push.ts';
import { syncStatus } from '../../functions/sync-status.ts';
import { syncVerify } from '../../functions/sync-verify.ts';
import { contentHash } from '../../protocol/content-hash.ts';
import { apiEvent, lambdaContext } from '../support/events.ts';

const NOW = 1_764_000_000_000;
const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());
// Unit files share a worker (isolate: false): the next file gets the real client back.
afterAll(() => ddb.restore());

const services = buildServices({
  client: createDocumentClient({ endpoint: 'http://127.0.0.1:1' }),
  recordsTable: 'records',
  syncStateTable: 'sync-state',
  cursorSecret: 's',
  config: { lookbackMs: 120_000, tombstoneRetentionMs: 90 * 86_400_000 },
  now: () => NOW,
});
const push = syncPush(() => services);

const product = (id: string, updatedAt: number) => ({
  id,
  updatedAt,
  name: 'W',
  sku: 'W',
  priceCents: 1,
  currency: 'EUR',
});
const pushEvent = (records: unknown[], clientTime = NOW) =>
  apiEvent({
    method: 'POST',
    path: '/v1/sync/push',
    body: { deviceId: 'ipad-7', clientTime, changes: { products: records } },
  });
const lostTo = (item: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: marshall(item),
  });
const parse = (result: { body?: string }) => JSON.parse(result.body ?? 'null');

describe('login push with DynamoDB mocked', () => {
  it('reads the winner from the failed condition: stale, deleted and unchanged, with no read', async () => {
    ddb.on(PutCommand, { Item: { id: 'stale-one' } } as never).rejects(
      lostTo({
        pk: 'acme#products',
        id: 'stale-one',
        updatedAt: NOW - 5,
        deleted: false,
        changedAt: NOW - 5,
        writer: 'web#bob',
        data: { name: 'Web' },
      }),
    );
    ddb.on(PutCommand, { Item: { id: 'gone-one' } } as never).rejects(
      lostTo({
        pk: 'acme#products',
        id: 'gone-one',
        updatedAt: NOW - 9,
        deleted: true,
        changedAt: NOW - 9,
        writer: 'web#bob',
        expiresAt: 1,
      }),
    );
    ddb.on(PutCommand, { Item: { id: 'retry-one' } } as never).rejects(
      lostTo({
        pk: 'acme#products',
        id: 'retry-one',
        updatedAt: NOW - 20,
        deleted: false,
        changedAt: NOW - 20,
        writer: 'device#ipad-7#alice',
        clientUpdatedAt: NOW - 21,
        // The same content as the retried push (B2).
        contentSha256: contentHash({ name: 'W', sku: 'W', priceCents: 1, currency: 'EUR' }),
        data: { name: 'W', sku: 'W', priceCents: 1, currency: 'EUR' },
      }),
    );
    ddb.on(PutCommand, { Item: { id: 'new-one' } } as never).resolves({});
    ddb.on(UpdateCommand).resolves({});

    const result = await push(
      pushEvent([
        product('stale-one', NOW - 10),
        product('gone-one', NOW - 1),
        product('retry-one', NOW - 21),
        product('new-one', NOW - 1),
      ]),
      lambdaContext,
    );
    expect(result.statusCode).toBe(200);
    expect(parse(result).results.products).toStrictEqual([
      { id: 'stale-one', status: 'stale', updatedAt: NOW - 5 },
      { id: 'gone-one', status: 'deleted', updatedAt: NOW - 9 },
      { id: 'retry-one', status: 'unchanged', updatedAt: NOW - 20 },
      { id: 'new-one', status: 'created', updatedAt: NOW - 1 },
    ]);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 4);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('stamps changedAt and skew-corrects updatedAt in the item it writes', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    const deviceClock = NOW - 3_600_000; // an hour behind
    await push(pushEvent([product('p1', deviceClock - 1000)], deviceClock), lambdaContext);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    // toStrictEqual rather than the matcher's containment: no stray attribute, not even an undefined one.
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toStrictEqual({
      pk: 'acme#products',
      id: 'p1',
      updatedAt: NOW - 1000,
      deleted: false,
      changedAt: NOW,
      writer: 'device#ipad-7#alice',
      clientUpdatedAt: deviceClock - 1000,
      contentSha256: contentHash({ name: 'W', sku: 'W', priceCents: 1, currency: 'EUR' }),
      data: { name: 'W', sku: 'W', priceCents: 1, currency: 'EUR' },
    });
  });

  it("corrects skew against the gateway's receive time (requestContext.timeEpoch), not the function's clock", async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    // The request reached API Gateway 5 s before the function ran (a cold start): the device's
    // clock was right, so its edit a second before sending is a second before arrival.
    const event = pushEvent([product('p1', NOW - 6000)], NOW - 5000);
    event.requestContext.timeEpoch = NOW - 5000;
    await push(event, lambdaContext);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item?.updatedAt).toBe(NOW - 6000);
  });

  it('keeps retrying a throttled DynamoDB while the deadline allows, then answers 503 with Retry-After in time', async () => {
    ddb.on(PutCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    // 2.5 s left of the function's time: 1 s of it is the response's, so the work has 1.5 s.
    const started = Date.now();
    const context = contextFor('push', {
      awsRequestId: 'aws-req-43',
      remainingMs: () => 2500 - (Date.now() - started),
    });
    const result = await push(pushEvent([product('p1', NOW)]), context);
    const took = Date.now() - started;
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['Retry-After']).toBe('1');
    expect(parse(result).error.code).toBe('SERVICE_UNAVAILABLE');
    expect(ddb.commandCalls(PutCommand).length, 'retried, with no SDK quota in the way').toBeGreaterThan(3);
    expect(took, 'kept trying while a retry could still fit').toBeGreaterThan(500);
    expect(took, 'answered before the deadline plus the response headroom').toBeLessThan(2500);
  });

  it('retries a transient failure too, and succeeds when it clears', async () => {
    ddb
      .on(PutCommand)
      .rejectsOnce(Object.assign(new Error('We encountered an internal error'), { name: 'InternalServerError' }))
      .rejectsOnce(Object.assign(new Error('socket reset'), { code: 'ECONNRESET' }))
      .resolves({});
    ddb.on(UpdateCommand).resolves({});
    const result = await push(pushEvent([product('p1', NOW)]), lambdaContext);
    expect(parse(result).results.products).toMatchObject([{ id: 'p1', status: 'created' }]);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 3);
  });

  it('answers a generic 500 for anything unexpected, with the request id and nothing internal', async () => {
    ddb.on(PutCommand).rejects(new Error('socket hang up at ip-10-0-0-7 in RecordsStore.write'));
    const result = await push(pushEvent([product('p1', NOW)]), lambdaContext);
    expect(result.statusCode).toBe(500);
    expect(parse(result)).toStrictEqual({
      error: { code: 'INTERNAL', message: 'internal error (request id aws-req-42)' },
    });
    expect(result.body ?? '').not.toMatch(/socket|RecordsStore|ip-10|stack/);
  });
});

describe("HTTP checks, in the protocol's order", () => {
  it('401 before anything when the token carries no account', async () => {
    const result = await push(
      { ...pushEvent([]), ...apiEvent({ method: 'POST', path: '/v1/sync/push', body: '{', claims: null }) },
      lambdaContext,
    );
    expect(result.statusCode).toBe(401);
    expect(parse(result).error.code).toBe('UNAUTHORIZED');
  });

  it('401 for an account id that could reach another partition', async () => {
    const event = apiEvent({
      method: 'POST',
      path: '/v1/sync/push',
      body: {},
      claims: { sub: 'a', 'custom:accountId': 'acme#products' },
    });
    expect((await push(event, lambdaContext)).statusCode).toBe(401);
  });

  it('415 for a body that is not application/json, before size and JSON', async () => {
    const event = apiEvent({
      method: 'POST',
      path: '/v1/sync/push',
      body: 'x'.repeat(6 * 1024 * 1024),
      headers: { 'content-type': 'text/plain' },
    });
    expect((await push(event, lambdaContext)).statusCode).toBe(415);
  });

  it('413 for a body over 5 MiB, before JSON', async () => {
    const event = apiEvent({ method: 'POST', path: '/v1/sync/push', body: '{'.repeat(5 * 1024 * 1024 + 1) });
    expect((await push(event, lambdaContext)).statusCode).toBe(413);
  });

  it('400 BAD_REQUEST for a body that is not JSON', async () => {
    const result = await push(apiEvent({ method: 'POST', path: '/v1/sync/push', body: '{"deviceId":' }), lambdaContext);
    expect(parse(result)).toStrictEqual({ error: { code: 'BAD_REQUEST', message: 'the body is not valid JSON' } });
  });

  it('accepts application/json with a charset', async () => {
    ddb.on(UpdateCommand).resolves({});
    const event = apiEvent({
      method: 'POST',
      path: '/v1/sync/push',
      body: { deviceId: 'ipad-7', clientTime: NOW },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect((await push(event, lambdaContext)).statusCode).toBe(200);
  });

  it('decodes a base64 body as API Gateway sends binary', async () => {
    ddb.on(UpdateCommand).resolves({});
    const event = apiEvent({
      method: 'POST',
      path: '/v1/sync/push',
      body: Buffer.from(JSON.stringify({ deviceId: 'ipad-7', clientTime: NOW })).toString('base64'),
    });
    expect((await push({ ...event, isBase64Encoded: true }, lambdaContext)).statusCode).toBe(200);
  });

  it('400 BAD_CURSOR before any write when a Sync Now carries changes and a forged cursor', async () => {
    const event = apiEvent({
      method: 'POST',
      path: '/v1/sync/now',
      body: {
        deviceId: 'ipad-7',
        clientTime: NOW,
        cursor: 'eyJ2IjoxfQ.forged',
        changes: { products: [product('p1', NOW)] },
      },
    });
    const result = await syncNow(() => services)(event, lambdaContext);
    expect(result.statusCode).toBe(400);
    expect(parse(result).error.code).toBe('BAD_CURSOR');
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('400 VALIDATION_FAILED with issues for a bad web body, writing nothing', async () => {
    const event = apiEvent({
      method: 'PUT',
      path: '/v1/records/products/p1',
      pathParameters: { collection: 'products', id: 'p1' },
      body: { name: '', sku: 'x', priceCents: 1, currency: 'EUR', colour: 'red' },
    });
    const result = await recordsPut(() => services)(event, lambdaContext);
    expect(result.statusCode).toBe(400);
    const body = parse(result);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    // The unknown key is named by its path; no message quotes the input.
    expect(body.error.issues.map((i: { path: string }) => i.path).sort()).toStrictEqual(['colour', 'name']);
    expect(JSON.stringify(body.error.issues.map((i: { message: string }) => i.message))).not.toMatch(/red|colour/);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('400 BAD_REQUEST for an unknown collection in a records path', async () => {
    const event = apiEvent({
      method: 'GET',
      path: '/v1/records/widgets/w1',
      pathParameters: { collection: 'widgets', id: 'w1' },
    });
    const result = await recordsGet(() => services)(event, lambdaContext);
    expect(result.statusCode).toBe(400);
    expect(parse(result).error.code).toBe('BAD_REQUEST');
  });

  it('400 for a malformed deviceId on the status page', async () => {
    const event = apiEvent({ method: 'GET', path: '/v1/sync/status', query: { deviceId: 'bad device' } });
    expect((await syncStatus(() => services)(event, lambdaContext)).statusCode).toBe(400);
  });
});

describe('verify with DynamoDB mocked', () => {
  const verify = syncVerify(() => services);
  const verifyEvent = (body: Record<string, unknown>) =>
    apiEvent({
      method: 'POST',
      path: '/v1/sync/verify',
      body: { deviceId: 'ipad-7', collection: 'products', ...body },
    });
  const version = (id: string, deleted = false) => ({ id, updatedAt: NOW, deleted });

  it('queries the table (not the feed) by key range, for id, updatedAt and deleted only, and writes nothing', async () => {
    ddb.on(QueryCommand).resolves({ Items: [version('p1'), version('p2', true), version('p3')], ScannedCount: 3 });
    const result = await verify(verifyEvent({ from: 'p0', to: 'p9', parts: 2 }), lambdaContext);
    expect(result.statusCode).toBe(200);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    const input = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input).toStrictEqual({
      TableName: 'records',
      KeyConditionExpression: '#pk = :pk AND #id BETWEEN :from AND :to',
      ProjectionExpression: '#id, #updatedAt, #deleted',
      ExpressionAttributeNames: { '#pk': 'pk', '#id': 'id', '#updatedAt': 'updatedAt', '#deleted': 'deleted' },
      ExpressionAttributeValues: { ':pk': 'acme#products', ':from': 'p0', ':to': 'p9' },
      ConsistentRead: true,
      Limit: 2000,
    });
    expect(
      parse(result).parts.map((p: { from: string; to: string; count: number }) => [p.from, p.to, p.count]),
    ).toEqual([
      ['p0', 'p3', 1],
      ['p3', 'p9', 1],
    ]);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
  });

  it('stops at the work budget: 32 queries at most, and a cursor for the rest', async () => {
    // A DynamoDB that hands back one item a query, with more to come, forever.
    let n = 0;
    ddb.on(QueryCommand).callsFake(() => {
      const id = `p${String(n++).padStart(4, '0')}`;
      return { Items: [version(id)], ScannedCount: 1, LastEvaluatedKey: { pk: 'acme#products', id } };
    });
    const result = await verify(verifyEvent({}), lambdaContext);
    expect(result.statusCode).toBe(200);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 32);
    const body = parse(result);
    expect(body.cursor).toEqual(expect.any(String));
    // Ends before the last id read, which the next page starts at.
    expect(body.parts.at(-1).to).toBe('p0031');
    expect(body.parts.reduce((sum: number, p: { count: number }) => sum + p.count, 0)).toBe(31);
  });

  it('400 before any read: parts 0 or 65, a bad id, an unknown collection, no deviceId, a forged cursor', async () => {
    const bodies = [
      { parts: 0 },
      { parts: 65 },
      { from: 'bad id' },
      { to: '' },
      { collection: 'widgets' },
      { deviceId: undefined },
      { deviceId: 'bad device' },
      { cursor: 'eyJ2IjoxfQ.forged' },
    ];
    const codes = [];
    for (const body of bodies) {
      const result = await verify(verifyEvent(body), lambdaContext);
      expect(result.statusCode, JSON.stringify(body)).toBe(400);
      codes.push(parse(result).error.code);
    }
    expect(codes).toStrictEqual([...Array(7).fill('BAD_REQUEST'), 'BAD_CURSOR']);
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });
});
