// As deployed: synthesize the app for each stage, then run every function's
// synthesized bundle with exactly the environment its template gives it,
// against tables created from the template's own definitions, with every
// AWS SDK call checked against that function's synthesized IAM policy
// (test/support/deployed/). Every route answers its documented status and
// no call is denied. What ships is what passed.
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlesOf } from '../../dev/deployment.ts';
import { type Call, type DeployedApi, startDeployedApi } from '../support/deployed/deployed-api.ts';

const MAX_BUNDLE_BYTES = 300 * 1024;
const STAGES = {
  dev: {},
  prod: { webOrigin: 'https://app.example.com', alarmEmail: 'oncall@example.com' },
} as const;

describe.each(Object.entries(STAGES))('the %s stage, as deployed', (stage, extraContext) => {
  let api: DeployedApi;
  beforeAll(async () => {
    const outdir = join(import.meta.dirname, '..', '..', 'cdk.out', `as-deployed-${stage}-${process.pid}`);
    api = await startDeployedApi(outdir, { stage, ...extraContext });
  });
  afterAll(async () => {
    await api?.stop();
  });

  const claims = { sub: 'alice', 'custom:accountId': `acct-${stage}` };
  const call = async (request: Call) => {
    const answer = await api.request({ claims, ...request });
    return { status: answer.status, body: answer.body ? JSON.parse(answer.body) : undefined, answer };
  };
  const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('has one bundle of at most 300 KB per function', () => {
    const bundles = bundlesOf(api.deployment);
    expect(bundles.length).toBe(api.functions.length);
    for (const { name, bytes } of bundles) {
      console.info(`${stage} ${name}: ${(bytes / 1024).toFixed(1)} KB`);
      expect(bytes, `${name} is ${bytes} bytes`).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    }
  });

  it('answers every route with its documented status, and no AWS call is denied', async () => {
    const now = Date.now();
    expect(await call({ method: 'GET', path: '/v1/health' })).toMatchObject({ status: 200, body: { ok: true } });
    expect((await call({ method: 'GET', path: '/v1/openapi.json' })).body.openapi).toBe('3.1.0');
    expect(await call({ method: 'GET', path: '/v1/nope' })).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });

    const product = { name: 'Widget', sku: 'W-1', priceCents: 100, currency: 'EUR' };
    expect((await call({ method: 'PUT', path: '/v1/records/products/p1', ...json(product) })).status).toBe(201);
    expect((await call({ method: 'PUT', path: '/v1/records/products/p1', ...json(product) })).status).toBe(200);
    expect((await call({ method: 'GET', path: '/v1/records/products/p1' })).body.record).toMatchObject(product);
    expect((await call({ method: 'GET', path: '/v1/records/products?limit=10' })).body.records).toHaveLength(1);

    const push = await call({
      method: 'POST',
      path: '/v1/sync/push',
      ...json({
        deviceId: 'ipad-7',
        clientTime: now,
        changes: { customers: [{ id: 'c1', updatedAt: now, name: 'Lead' }] },
      }),
    });
    expect(push.status).toBe(200);
    expect(push.body.results.customers).toMatchObject([{ id: 'c1', status: 'created' }]);

    const sync = await call({
      method: 'POST',
      path: '/v1/sync/now',
      ...json({ deviceId: 'ipad-7', clientTime: now, cursor: null }),
    });
    expect(sync.status).toBe(200);
    expect(sync.body.changes.products.map((r: { id: string }) => r.id)).toEqual(['p1']);
    const status = await call({ method: 'GET', path: '/v1/sync/status?deviceId=ipad-7' });
    expect(status).toMatchObject({ status: 200, body: { upToDate: true } });
    const verified = await call({
      method: 'POST',
      path: '/v1/sync/verify',
      ...json({ deviceId: 'ipad-7', collection: 'products', parts: 4 }),
    });
    expect(verified).toMatchObject({
      status: 200,
      body: { parts: [{ from: null, to: null, count: 1 }], cursor: null },
    });
    expect(
      (await call({ method: 'GET', path: '/v1/records/products?from=p0&to=p2' })).body.records.map(
        (r: { id: string }) => r.id,
      ),
    ).toEqual(['p1']);

    expect((await call({ method: 'DELETE', path: '/v1/records/products/p1' })).status).toBe(204);
    expect((await call({ method: 'GET', path: '/v1/records/products/p1' })).status).toBe(410);
    const next = await call({
      method: 'POST',
      path: '/v1/sync/now',
      ...json({ deviceId: 'ipad-7', clientTime: Date.now(), cursor: sync.body.cursor }),
    });
    expect(next.body.changes.products).toContainEqual(expect.objectContaining({ id: 'p1', deleted: true }));

    expect(api.calls.filter((c) => !c.allowed)).toEqual([]);
    expect(api.calls.length).toBeGreaterThan(0);
  });

  it('answers a bad request with the error envelope, not a crash', async () => {
    const bad = await call({
      method: 'POST',
      path: '/v1/sync/push',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } });
  });

  it('takes a gzip body base64-encoded in the event and answers compressed, base64 with isBase64Encoded', async () => {
    const now = Date.now();
    const changes = {
      products: Array.from({ length: 20 }, (_, i) => ({
        id: `gz${i}`,
        updatedAt: now,
        name: `Product ${i}`,
        sku: `S${i}`,
        priceCents: 1,
        currency: 'EUR',
      })),
    };
    const gzipped = gzipSync(JSON.stringify({ deviceId: 'ipad-9', clientTime: now, changes }));
    const push = await api.request({
      claims,
      method: 'POST',
      path: '/v1/sync/push',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'accept-encoding': 'gzip' },
      body: gzipped.toString('base64'),
      isBase64Encoded: true,
    });
    expect(push.status).toBe(200);
    const result = push.invocation.ok ? (push.invocation.result as { isBase64Encoded?: boolean }) : {};
    expect(result.isBase64Encoded).toBe(true);
    expect(push.headers['content-encoding']).toBe('gzip');
    const body = JSON.parse(gunzipSync(push.bytes).toString('utf8'));
    expect(body.results.products).toHaveLength(20);
  });
});
