// As deployed: synthesize the app for each stage, then run every function's
// synthesized bundle with exactly the environment its template gives it,
// against tables created from the template's own definitions, with every
// AWS SDK call checked against that function's synthesized IAM policy
// (test/support/deployed/). Every route answers its documented status, a
// Sync Now pass that owes winners across pages completes, no call is
// denied, and every grant a function holds is one it uses. When something
// is missing, the failure says what in a sentence (shown by the control at
// the end, which takes a variable and a grant away). What ships is what
// passed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ACCOUNT, bundlesOf, REGION } from '../../dev/deployment.ts';
import { OPENAPI_FILE } from '../../protocol/openapi-file.ts';
import {
  type Answer,
  type Call,
  type DeployedApi,
  startDeployedApi,
  troubleWith,
} from '../support/deployed/deployed-api.ts';

const MAX_BUNDLE_BYTES = 300 * 1024;
const STAGES = {
  dev: {},
  prod: { webOrigin: 'https://app.example.com', alarmEmail: 'oncall@example.com' },
} as const;

/**
 * Each function's environment, written out by hand: the variables its code
 * reads (functions/config.ts) and the three every function gets. A variable
 * taken away fails here by name, before any request.
 */
const ENVIRONMENT: Record<string, string[]> = {
  Health: [],
  OpenApi: [],
  NotFound: [],
  SyncPush: ['RECORDS_TABLE', 'SYNC_STATE_TABLE'],
  SyncNow: ['RECORDS_TABLE', 'SYNC_STATE_TABLE', 'CURSOR_SECRET_ARN'],
  SyncStatus: ['RECORDS_TABLE', 'SYNC_STATE_TABLE'],
  SyncVerify: ['RECORDS_TABLE', 'CURSOR_SECRET_ARN'],
  RecordsList: ['RECORDS_TABLE', 'CURSOR_SECRET_ARN'],
  RecordsPut: ['RECORDS_TABLE'],
  RecordsGet: ['RECORDS_TABLE'],
  RecordsDelete: ['RECORDS_TABLE'],
};
const EVERY_FUNCTION = ['NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'STAGE'];
/** Grants no call here can use: Lambda itself writes the logs, and there is no X-Ray daemon. */
const NOT_EXERCISED = /^(logs:CreateLogStream|logs:PutLogEvents|xray:PutTraceSegments|xray:PutTelemetryRecords) /;

const nameOf = (logicalId: string) => logicalId.replace(/^Sync/, '').replace(/[0-9A-F]{8}$/, '');
const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A caller of one deployed API: a request that did not get the service's own answer throws, saying why. */
function caller(api: DeployedApi, claims: Record<string, string>) {
  return async (request: Call) => {
    const answer = await api.request({ claims, ...request });
    const trouble = troubleWith(answer);
    if (trouble !== undefined) throw new Error(`${request.method} ${request.path}: ${trouble}`);
    return { status: answer.status, body: answer.body ? JSON.parse(answer.body) : undefined, answer };
  };
}

type Page = { results: { products?: { id: string; status: string }[] }; changes: { products: Product[] } };
type Product = { id: string; deleted?: boolean; updatedBy: { deviceId: string | null } };

/**
 * A Sync Now pass that owes winners across pages: the web writes `count`
 * products of ~54 KB each as sent (control characters, escaped six times
 * over) — together more than one response may carry — and a device then
 * pushes an older deletion of each in one request. Every deletion loses
 * (`stale`); the web's versions are delivered within the pass, those that
 * did not fit the first page fetched on the next ones (BatchGetItem).
 */
async function passOwingWinners(call: ReturnType<typeof caller>, count = 130) {
  const now = Date.now();
  const heavy = (n: number) => '\u0001'.repeat(n);
  const ids = Array.from({ length: count }, (_, i) => `heavy-${String(i).padStart(3, '0')}`);
  const write = async (id: string) => {
    const product = {
      name: heavy(200),
      sku: id,
      priceCents: 100,
      currency: 'EUR',
      description: heavy(5000),
      tags: Array.from({ length: 50 }, () => heavy(50)),
    };
    expect((await call({ method: 'PUT', path: `/v1/records/products/${id}`, ...json(product) })).status).toBe(201);
  };
  // Eight web writes in flight at a time, as several editors (or one busy one) make them.
  for (let i = 0; i < ids.length; i += 8) await Promise.all(ids.slice(i, i + 8).map(write));
  const deletions = ids.map((id) => ({ id, updatedAt: now - 3_600_000, deleted: true }));
  const pages: Page[] = [];
  const answers: Answer[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const body = {
      deviceId: 'ipad-owed',
      clientTime: Date.now(),
      cursor,
      ...(page === 0 ? { changes: { products: deletions } } : {}),
    };
    const sync = await call({ method: 'POST', path: '/v1/sync/now', ...json(body) });
    expect(sync.status).toBe(200);
    pages.push(sync.body);
    answers.push(sync.answer);
    cursor = sync.body.cursor;
    if (!sync.body.hasMore) return { ids, pages, answers };
  }
  throw new Error('the pass did not end in 20 pages');
}

describe.each(Object.entries(STAGES))('the %s stage, as deployed', (stage, extraContext) => {
  let api: DeployedApi;
  beforeAll(async () => {
    const outdir = join(import.meta.dirname, '..', '..', 'cdk.out', `as-deployed-${stage}-${process.pid}`);
    api = await startDeployedApi(outdir, { stage, ...extraContext }, { dynamoEndpoint: inject('dynamoEndpoint') });
  });
  afterAll(async () => {
    await api?.stop();
  });

  const claims = { sub: 'alice', 'custom:accountId': `acct-${stage}` };

  it('has one bundle of at most 300 KB of code per function (the OpenAPI function also carries the document)', () => {
    const bundles = bundlesOf(api.deployment);
    expect(bundles.length).toBe(api.functions.length);
    // The document is data, bundled minified: what it weighs comes on top of the code's allowance.
    const documentBytes = Buffer.byteLength(JSON.stringify(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))));
    for (const { name, bytes } of bundles) {
      console.info(`${stage} ${name}: ${(bytes / 1024).toFixed(1)} KB`);
      const allowed = MAX_BUNDLE_BYTES + (name.endsWith('OpenApi') ? documentBytes : 0);
      expect(bytes, `${name} is ${bytes} bytes`).toBeLessThanOrEqual(allowed);
    }
  });

  it('gives each function exactly the variables it reads, naming tables and a key that exist', () => {
    const tables = new Map(
      api.deployment
        .resources('AWS::DynamoDB::Table')
        .map(({ logicalId, resource, stack }) => [
          (resource.Properties as { KeySchema: { AttributeName: string }[] }).KeySchema[0]!.AttributeName,
          api.deployment.physicalName(logicalId, stack),
        ]),
    );
    const secret = api.deployment.resources('AWS::SecretsManager::Secret')[0]!;
    const expected = {
      RECORDS_TABLE: tables.get('pk'),
      SYNC_STATE_TABLE: tables.get('accountId'),
      CURSOR_SECRET_ARN: api.deployment.arn(secret.logicalId, secret.resource, secret.stack),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      STAGE: stage,
      NODE_OPTIONS: '--enable-source-maps',
    };
    expect(api.functions.map((f) => nameOf(f.logicalId)).sort()).toStrictEqual(Object.keys(ENVIRONMENT).sort());
    for (const fn of api.functions) {
      const name = nameOf(fn.logicalId);
      const variables = [...ENVIRONMENT[name]!, ...EVERY_FUNCTION].sort();
      expect(Object.keys(fn.environment).sort(), `${name}'s environment variables`).toStrictEqual(variables);
      for (const variable of variables) {
        expect(fn.environment[variable], `${name}'s ${variable}`).toBe(expected[variable as keyof typeof expected]);
      }
    }
  });

  it('answers every route as a rep and the web use them, a pass owing winners across pages included; no AWS call is denied, and every grant is used', async () => {
    const call = caller(api, claims);
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

    // Another account, so the pass's snapshot holds only what it writes.
    const owed = await passOwingWinners(caller(api, { sub: 'bob', 'custom:accountId': `acct-${stage}-owed` }));
    expect(owed.pages[0]!.results.products?.every((r) => r.status === 'stale')).toBe(true);
    const first = new Set(owed.pages[0]!.changes.products.map((r) => r.id));
    expect(first.size, 'the winners did not all fit the first page').toBeLessThan(owed.ids.length);
    const delivered = owed.pages.flatMap((p) => p.changes.products).filter((r) => owed.ids.includes(r.id));
    expect(new Set(delivered.map((r) => r.id)).size, 'every winner within the pass').toBe(owed.ids.length);
    expect(delivered.every((r) => r.deleted !== true && r.updatedBy.deviceId === null)).toBe(true);
    const fetchedOwed = owed.answers
      .slice(1)
      .flatMap((a) => a.awsCalls.filter((c) => c.action === 'dynamodb:BatchGetItem'));
    expect(fetchedOwed.length, 'later pages fetched what was owed').toBeGreaterThan(0);

    expect(api.calls.filter((c) => !c.allowed)).toEqual([]);
    // Every grant was used by some request above: none is spare, and the walk leaves none untried.
    const unused = api.functions.flatMap((fn) => {
      const used = new Set(api.calls.filter((c) => c.fn === fn.logicalId).map((c) => `${c.action} on ${c.resource}`));
      return fn.policies
        .flatMap(({ document }) => (document as { Statement: { Action: unknown; Resource: unknown }[] }).Statement)
        .flatMap((s) =>
          ([s.Action].flat() as string[]).flatMap((action) =>
            ([s.Resource].flat() as string[]).map((resource) => `${action} on ${resource}`),
          ),
        )
        .filter((grant) => !used.has(grant) && !NOT_EXERCISED.test(grant))
        .map((grant) => `${nameOf(fn.logicalId)}: ${grant}`);
    });
    expect(unused).toStrictEqual([]);
  });

  it('answers a bad request with the error envelope, not a crash', async () => {
    const bad = await caller(
      api,
      claims,
    )({
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

  // The control: what this test says when a deployment lacks a variable or a grant.
  it('names the missing variable or grant when one is taken away (the control)', async () => {
    const call = caller(api, { sub: 'carol', 'custom:accountId': 'acct-control' });
    const syncNow = {
      method: 'POST',
      path: '/v1/sync/now',
      ...json({ deviceId: 'ipad-1', clientTime: Date.now(), cursor: null }),
    };
    let restore = await api.alter('SyncSyncNow', (fn) => {
      delete fn.environment.CURSOR_SECRET_ARN;
      return fn;
    });
    try {
      await expect(call(syncNow)).rejects.toThrow(
        'POST /v1/sync/now: SyncNow failed at cold start: Error: environment variable CURSOR_SECRET_ARN is not set',
      );
    } finally {
      await restore();
    }
    restore = await api.alter('SyncSyncNow', (fn) => {
      for (const { document } of fn.policies) {
        for (const statement of (document as { Statement: { Action: string | string[] }[] }).Statement) {
          statement.Action = [statement.Action].flat().filter((a) => a !== 'dynamodb:BatchGetItem');
        }
      }
      return fn;
    });
    try {
      await expect(passOwingWinners(call)).rejects.toThrow(
        new RegExp(
          `^POST /v1/sync/now: SyncNow was denied dynamodb:BatchGetItem on arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/\\S+: its role lacks that grant$`,
        ),
      );
    } finally {
      await restore();
    }
    expect((await call(syncNow)).status, 'restored').toBe(200);
  });
});
