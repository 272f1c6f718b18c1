// What ships is what passed: synthesize the app with real bundling, then
// import each asset CDK would upload and invoke it with an API Gateway event
// against DynamoDB Local. Also reports each bundle's size (limit 300 KB).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthBundles } from '../../dev/bundles.ts';
import { createTables, type DynamoDbLocal, LOCAL_TABLES, startDynamoDbLocal } from '../../dev/dynamodb-local.ts';
import type { ApiEvent, ApiResult } from '../../functions/http/http-handler.ts';
import { routes } from '../../functions/routes.ts';
import { apiEvent, lambdaContext } from '../support/events.ts';

const MAX_BUNDLE_BYTES = 300 * 1024;
const outdir = join(import.meta.dirname, '..', '..', 'cdk.out', `bundles-test-${process.pid}`);

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;
const bundles = new Map<string, { file: string; bytes: number }>();
let dynamo: DynamoDbLocal;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  await createTables(dynamo.endpoint);
  for (const bundle of synthBundles(outdir)) bundles.set(bundle.name, bundle);
  // What the stack sets, with DynamoDB Local standing in for DynamoDB.
  Object.assign(process.env, {
    RECORDS_TABLE: LOCAL_TABLES.records,
    SYNC_STATE_TABLE: LOCAL_TABLES.syncState,
    CURSOR_SECRET: 'bundle-test-secret',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: 'local',
  });
});
afterAll(async () => {
  await dynamo?.stop();
  rmSync(outdir, { recursive: true, force: true });
});

async function load(name: string): Promise<Handler> {
  const bundle = bundles.get(name);
  if (!bundle) expect.unreachable(`no bundle for ${name}`);
  return ((await import(pathToFileURL(bundle.file).href)) as { handler: Handler }).handler;
}

const claims = { sub: 'alice', 'custom:accountId': 'bundle-acct' };
const invoke = async (name: string, event: Parameters<typeof apiEvent>[0]) => {
  const result = await (await load(name))(apiEvent({ claims, ...event }), lambdaContext);
  return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : undefined };
};

describe('the deployed bundles', () => {
  it('are each at most 300 KB minified', () => {
    // One per route plus the catch-all 404, by name, so a function the synth misses cannot pass unseen.
    expect([...bundles.keys()].sort()).toStrictEqual([...routes.map((r) => r.name), 'NotFound'].sort());
    for (const [name, { bytes }] of bundles) {
      console.info(`${name}: ${(bytes / 1024).toFixed(1)} KB`);
      expect(bytes, `${name} is ${bytes} bytes`).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    }
  });

  it('serve a whole sync against DynamoDB Local', async () => {
    const now = Date.now();
    expect(await invoke('Health', { method: 'GET', path: '/v1/health', claims: null })).toStrictEqual({
      status: 200,
      body: { ok: true },
    });
    const notFound = await invoke('NotFound', { method: 'GET', path: '/v1/nope', claims: null });
    expect(notFound.status).toBe(404);
    expect(notFound.body.error.code).toBe('NOT_FOUND');

    const put = await invoke('RecordsPut', {
      method: 'PUT',
      path: '/v1/records/products/p1',
      pathParameters: { collection: 'products', id: 'p1' },
      body: { name: 'Widget', sku: 'W-1', priceCents: 100, currency: 'EUR' },
    });
    expect(put.status).toBe(201);
    const push = await invoke('SyncPush', {
      method: 'POST',
      path: '/v1/sync/push',
      body: {
        deviceId: 'ipad-7',
        clientTime: now,
        changes: { customers: [{ id: 'c1', updatedAt: now, name: 'Lead' }] },
      },
    });
    expect(push.body.results.customers.map((r: { status: string }) => r.status)).toStrictEqual(['created']);

    const sync = await invoke('SyncNow', {
      method: 'POST',
      path: '/v1/sync/now',
      body: { deviceId: 'android-2', clientTime: now, cursor: null },
    });
    expect(sync.status).toBe(200);
    expect(sync.body.changes.products.map((r: { id: string }) => r.id)).toStrictEqual(['p1']);
    expect(sync.body.changes.customers.map((r: { id: string }) => r.id)).toStrictEqual(['c1']);

    const status = await invoke('SyncStatus', {
      method: 'GET',
      path: '/v1/sync/status',
      query: { deviceId: 'android-2' },
    });
    expect(status.body.upToDate).toBe(true);
    const list = await invoke('RecordsList', {
      method: 'GET',
      path: '/v1/records/products',
      pathParameters: { collection: 'products' },
    });
    expect(list.body.records.map((r: { id: string }) => r.id)).toStrictEqual(['p1']);
    expect(
      (
        await invoke('RecordsDelete', {
          method: 'DELETE',
          path: '/v1/records/products/p1',
          pathParameters: { collection: 'products', id: 'p1' },
        })
      ).status,
    ).toBe(204);
    const gone = await invoke('RecordsGet', {
      method: 'GET',
      path: '/v1/records/products/p1',
      pathParameters: { collection: 'products', id: 'p1' },
    });
    expect(gone.status).toBe(410);
  });

  it('answer a bad request with the error envelope, not a crash', async () => {
    const bad = await invoke('SyncPush', { method: 'POST', path: '/v1/sync/push', body: '{not json' });
    expect(bad).toStrictEqual({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', message: 'the body is not valid JSON' } },
    });
  });
});
