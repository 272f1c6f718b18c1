// What ships is what passed: synthesize the app with real bundling, then
// import each asset CDK would upload and invoke it with an API Gateway event
// against DynamoDB Local. Also reports each bundle's size (limit 300 KB).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { synthBundles } from '../../dev/bundles.ts';
import { createTables, type DynamoDbLocal, LOCAL_TABLES, startDynamoDbLocal } from '../../dev/dynamodb-local.ts';
import type { ApiEvent, ApiResult } from '../../functions/http/http-handler.ts';
import { apiEvent, lambdaContext } from '../support/events.ts';

export const MAX_BUNDLE_BYTES = 300 * 1024;
const outdir = join(import.meta.dirname, '..', '..', 'cdk.out', `bundles-test-${process.pid}`);

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;
const bundles = new Map<string, { file: string; bytes: number }>();
let dynamo: DynamoDbLocal;

before(async () => {
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
after(async () => {
  await dynamo?.stop();
  rmSync(outdir, { recursive: true, force: true });
});

async function load(name: string): Promise<Handler> {
  const bundle = bundles.get(name);
  assert.ok(bundle, `a bundle for ${name}`);
  return ((await import(pathToFileURL(bundle.file).href)) as { handler: Handler }).handler;
}

const claims = { sub: 'alice', 'custom:accountId': 'bundle-acct' };
const invoke = async (name: string, event: Parameters<typeof apiEvent>[0]) => {
  const result = await (await load(name))(apiEvent({ claims, ...event }), lambdaContext);
  return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : undefined };
};

describe('the deployed bundles', () => {
  it('are each at most 300 KB minified', (t) => {
    assert.equal(bundles.size, 9);
    for (const [name, { bytes }] of bundles) {
      t.diagnostic(`${name}: ${(bytes / 1024).toFixed(1)} KB`);
      assert.ok(bytes <= MAX_BUNDLE_BYTES, `${name} is ${bytes} bytes`);
    }
  });

  it('serve a whole sync against DynamoDB Local', async () => {
    const now = Date.now();
    assert.deepEqual(await invoke('Health', { method: 'GET', path: '/v1/health', claims: null }), {
      status: 200,
      body: { ok: true },
    });
    const notFound = await invoke('NotFound', { method: 'GET', path: '/v1/nope', claims: null });
    assert.equal(notFound.status, 404);
    assert.equal(notFound.body.error.code, 'NOT_FOUND');

    const put = await invoke('RecordsPut', {
      method: 'PUT',
      path: '/v1/records/products/p1',
      pathParameters: { collection: 'products', id: 'p1' },
      body: { name: 'Widget', sku: 'W-1', priceCents: 100, currency: 'EUR' },
    });
    assert.equal(put.status, 201);
    const push = await invoke('SyncPush', {
      method: 'POST',
      path: '/v1/sync/push',
      body: {
        deviceId: 'ipad-7',
        clientTime: now,
        changes: { customers: [{ id: 'c1', updatedAt: now, name: 'Lead' }] },
      },
    });
    assert.deepEqual(
      push.body.results.customers.map((r: { status: string }) => r.status),
      ['created'],
    );

    const sync = await invoke('SyncNow', {
      method: 'POST',
      path: '/v1/sync/now',
      body: { deviceId: 'android-2', clientTime: now, cursor: null },
    });
    assert.equal(sync.status, 200);
    assert.deepEqual(
      sync.body.changes.products.map((r: { id: string }) => r.id),
      ['p1'],
    );
    assert.deepEqual(
      sync.body.changes.customers.map((r: { id: string }) => r.id),
      ['c1'],
    );

    const status = await invoke('SyncStatus', {
      method: 'GET',
      path: '/v1/sync/status',
      query: { deviceId: 'android-2' },
    });
    assert.equal(status.body.upToDate, true);
    const list = await invoke('RecordsList', {
      method: 'GET',
      path: '/v1/records/products',
      pathParameters: { collection: 'products' },
    });
    assert.deepEqual(
      list.body.records.map((r: { id: string }) => r.id),
      ['p1'],
    );
    assert.equal(
      (
        await invoke('RecordsDelete', {
          method: 'DELETE',
          path: '/v1/records/products/p1',
          pathParameters: { collection: 'products', id: 'p1' },
        })
      ).status,
      204,
    );
    const gone = await invoke('RecordsGet', {
      method: 'GET',
      path: '/v1/records/products/p1',
      pathParameters: { collection: 'products', id: 'p1' },
    });
    assert.equal(gone.status, 410);
  });

  it('answer a bad request with the SPEC envelope, not a crash', async () => {
    const bad = await invoke('SyncPush', { method: 'POST', path: '/v1/sync/push', body: '{not json' });
    assert.deepEqual(bad, {
      status: 400,
      body: { error: { code: 'BAD_REQUEST', message: 'the body is not valid JSON' } },
    });
  });
});
