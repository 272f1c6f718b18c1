// Every bad input answered as docs/protocol.md says, over real HTTP, and nothing
// written by a rejected request.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLocalToken } from '../../dev/local-token.ts';
import { type ApiClient, product, type Stack, startStack, TEST_JWT_SECRET } from '../support/local-stack.ts';

let stack: Stack;
let api: ApiClient;
beforeAll(async () => {
  stack = await startStack({ corsOrigin: 'https://app.example.com' });
  api = await stack.as(stack.newAccount());
});
afterAll(async () => {
  await stack?.stop();
});

type ErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

async function expectError(response: Promise<{ status: number; body: unknown }>, status: number, code: string) {
  const { status: actual, body } = await response;
  expect(actual, JSON.stringify(body)).toBe(status);
  const error = (body as ErrorBody).error;
  expect(error.code).toBe(code);
  expect(typeof error.message).toBe('string');
  expect(Object.keys(body as object)).toStrictEqual(['error']);
  expect(['code', 'message', 'issues']).toEqual(expect.arrayContaining(Object.keys(error)));
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+|Exception|node_modules/);
  return error;
}

const raw = (path: string, init: RequestInit) =>
  fetch(stack.api.url + path, init).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('routes and tokens', () => {
  it('404 for an unknown route, before the token is looked at', async () => {
    await expectError(raw('/v1/nope', {}), 404, 'NOT_FOUND');
    await expectError(raw('/v2/health', {}), 404, 'NOT_FOUND');
    await expectError(raw('/v1/records/products/p1/extra', {}), 404, 'NOT_FOUND');
  });

  it('a record id of malformed percent-encoding is that route with a bad id: 401 without a token, then 400', async () => {
    await expectError(raw('/v1/records/products/%E9', {}), 401, 'UNAUTHORIZED');
    const api = await stack.as(stack.newAccount());
    for (const id of ['%E9', '%zz', '%ED%A0%80']) {
      const response = await api.request('GET', `/v1/records/products/${id}`);
      expect([response.status, (response.body as ErrorBody).error.code], id).toStrictEqual([400, 'BAD_REQUEST']);
    }
  });

  it('405 with Allow for a known path asked with another method, before the token is looked at (v1.3)', async () => {
    const answered = await fetch(`${stack.api.url}/v1/sync/push`, { method: 'GET' });
    expect(answered.headers.get('allow')).toBe('POST');
    await expectError(raw('/v1/sync/push', { method: 'GET' }), 405, 'METHOD_NOT_ALLOWED');
    const record = await fetch(`${stack.api.url}/v1/records/products/p1`, { method: 'POST' });
    expect(record.status).toBe(405);
    expect(record.headers.get('allow')).toBe('PUT, GET, DELETE');
    const health = await fetch(`${stack.api.url}/v1/health`, { method: 'DELETE', headers: { authorization: 'junk' } });
    expect([health.status, health.headers.get('allow')]).toStrictEqual([405, 'GET']);
  });

  it('answers CORS preflights for the Main App origin, as API Gateway does in AWS', async () => {
    const preflight = await fetch(`${stack.api.url}/v1/records/products/p1`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    // The SDK sends large bodies gzip: a browser must be allowed to say so.
    expect(preflight.headers.get('access-control-allow-headers')?.split(/, */).sort()).toStrictEqual([
      'authorization',
      'content-encoding',
      'content-type',
    ]);
    const health = await fetch(`${stack.api.url}/v1/health`);
    expect(health.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('a query parameter named like an object member is a parameter like any other, refused as unknown', async () => {
    const api = await stack.as(stack.newAccount());
    for (const [name, value] of [
      ['__proto__', '1'],
      ['constructor', 'x'],
      ['toString', 'y'],
    ]) {
      const response = await api.request('GET', `/v1/records/products?${name}=${value}`);
      expect(response.status, name).toBe(400);
      expect((response.body as ErrorBody).error.issues, name).toStrictEqual([{ path: name, message: 'unknown field' }]);
    }
  });

  it('health needs no token', async () => {
    expect(await raw('/v1/health', {})).toStrictEqual({ status: 200, body: { ok: true } });
  });

  it('401 for a missing, malformed, forged, expired or account-less token', async () => {
    const account = stack.newAccount();
    const forged = await signLocalToken('not-the-secret', account, 'mallory');
    const expired = await signLocalToken(TEST_JWT_SECRET, account, 'alice', Math.floor(Date.now() / 1000) - 60);
    const noAccount = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    // The local server's own check (as API Gateway's claims are strings): a user that is a number or a list.
    const claimsOf = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const numericSub = await claimsOf({ 'custom:accountId': account, sub: 42 });
    const listSub = await claimsOf({ 'custom:accountId': account, sub: ['alice', 'bob'] });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'a', 'custom:accountId': account })).toString('base64url')}.`;
    for (const authorization of [
      undefined,
      'Bearer',
      'Basic abc',
      'Bearer not.a.jwt',
      `Bearer ${forged}`,
      `Bearer ${expired}`,
      `Bearer ${noAccount}`,
      `Bearer ${none}`,
      `Bearer ${numericSub}`,
      `Bearer ${listSub}`,
    ]) {
      await expectError(
        raw('/v1/sync/status', { headers: authorization ? { authorization } : {} }),
        401,
        'UNAUTHORIZED',
      );
    }
  });
});

describe('bodies', () => {
  const envelope = () => ({
    deviceId: 'ipad-7',
    clientTime: Date.now(),
    changes: { products: [product('written?', Date.now())] },
  });

  it('415 for a body that is not application/json', async () => {
    await expectError(
      api.request('POST', '/v1/sync/push', JSON.stringify(envelope()), { 'content-type': 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectError(
      api.request('PUT', '/v1/records/products/x', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('413 for a body over 5 MiB and for over 1,000 records', async () => {
    const big = {
      ...envelope(),
      changes: { products: [product('big', Date.now(), { description: 'x'.repeat(5 * 1024 * 1024) })] },
    };
    await expectError(api.request('POST', '/v1/sync/push', big), 413, 'PAYLOAD_TOO_LARGE');
    const many = {
      ...envelope(),
      changes: {
        products: Array.from({ length: 600 }, (_, i) => product(`a${i}`, Date.now())),
        customers: Array.from({ length: 401 }, (_, i) => ({ id: `c${i}`, updatedAt: Date.now(), name: 'c' })),
      },
    };
    await expectError(api.request('POST', '/v1/sync/push', many), 413, 'PAYLOAD_TOO_LARGE');
    expect((await api.get('products', 'a0')).status, 'nothing written').toBe(404);
  });

  it('400 for a body that is not JSON, or no body at all', async () => {
    await expectError(api.request('POST', '/v1/sync/push', '{"deviceId": "ipad-7",'), 400, 'BAD_REQUEST');
    await expectError(api.request('POST', '/v1/sync/now', undefined), 400, 'BAD_REQUEST');
  });

  const envelopeErrors: [string, () => unknown][] = [
    ['missing deviceId', () => ({ ...envelope(), deviceId: undefined })],
    ['missing clientTime', () => ({ ...envelope(), clientTime: undefined })],
    ['clientTime in seconds', () => ({ ...envelope(), clientTime: Math.floor(Date.now() / 1000) })],
    [
      'unknown collection',
      () => ({ ...envelope(), changes: { products: [product('written?', Date.now())], invoices: [] } }),
    ],
    [
      'duplicate id in a collection',
      () => ({
        ...envelope(),
        changes: { products: [product('written?', Date.now()), product('written?', Date.now() + 1)] },
      }),
    ],
    ['changes is an array', () => ({ ...envelope(), changes: [] })],
    ['an unknown envelope field', () => ({ ...envelope(), accountId: 'someone-else' })],
    ['a JSON array', () => [envelope()]],
    ['JSON null', () => null],
  ];
  it.each(envelopeErrors)('400 BAD_REQUEST and nothing written for %s', async (_name, body) => {
    const error = await expectError(api.request('POST', '/v1/sync/push', JSON.stringify(body())), 400, 'BAD_REQUEST');
    expect(Array.isArray(error.issues)).toBe(true);
    expect(error.issues?.length).toBeGreaterThan(0);
    expect((await api.get('products', 'written?')).status).toBe(404);
  });

  it('per-record problems come back as invalid with issues, the rest proceeds', async () => {
    const push = await api.push('ipad-7', {
      products: [
        product('fine', Date.now()),
        { ...product('unknown-field', Date.now()), colour: 'red' },
        { id: 'no-fields', updatedAt: Date.now() },
        { name: 'no id' },
        42,
        { ...product('x', Date.now()), id: 'bad id with spaces' },
      ],
    });
    expect(push.status).toBe(200);
    const results = push.body.results.products ?? [];
    expect(results.map((r) => [r.id, r.status])).toStrictEqual([
      ['fine', 'created'],
      ['unknown-field', 'invalid'],
      ['no-fields', 'invalid'],
      [null, 'invalid'],
      [null, 'invalid'],
      ['bad id with spaces', 'invalid'],
    ]);
    expect(results.slice(1).every((r) => (r.issues?.length ?? 0) > 0)).toBe(true);
  });
});

describe('Sync Now and web API specifics', () => {
  it('400 BAD_REQUEST for a limit over 1,000 and 400 BAD_CURSOR for a malformed cursor', async () => {
    await expectError(api.syncNow('ipad-7', null, { limit: 1001 }), 400, 'BAD_REQUEST');
    await expectError(api.syncNow('ipad-7', 'garbage'), 400, 'BAD_CURSOR');
    const { cursor } = await api.syncAll('ipad-7', null);
    await expectError(
      api.syncNow('ipad-7', cursor.slice(0, -2) + (cursor.endsWith('A') ? 'BB' : 'AA')),
      400,
      'BAD_CURSOR',
    );
  });

  it('a web list cursor is not a Sync Now cursor, nor valid for another collection', async () => {
    await api.put('products', 'l1', { name: 'a', sku: 'a', priceCents: 1, currency: 'EUR' });
    await api.put('products', 'l2', { name: 'b', sku: 'b', priceCents: 1, currency: 'EUR' });
    const page = await api.request<{ cursor: string }>('GET', '/v1/records/products?limit=1');
    await expectError(api.syncNow('ipad-7', page.body.cursor), 400, 'BAD_CURSOR');
    await expectError(
      api.request('GET', `/v1/records/customers?cursor=${encodeURIComponent(page.body.cursor)}`),
      400,
      'BAD_CURSOR',
    );
  });

  it('400 for bad query strings and path ids, 400 VALIDATION_FAILED for bad web bodies', async () => {
    await expectError(api.request('GET', '/v1/records/products?limit=0'), 400, 'BAD_REQUEST');
    await expectError(api.request('GET', '/v1/records/products?limit=ten'), 400, 'BAD_REQUEST');
    await expectError(api.request('GET', '/v1/records/products?colour=red'), 400, 'BAD_REQUEST');
    await expectError(api.request('GET', '/v1/records/widgets'), 400, 'BAD_REQUEST');
    await expectError(api.request('GET', `/v1/records/products/${'a'.repeat(129)}`), 400, 'BAD_REQUEST');
    const error = await expectError(
      api.put('products', 'p1', { name: 'x', sku: 'x', priceCents: -1, currency: 'EUR' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(error.issues?.map((i) => i.path)).toStrictEqual(['priceCents']);
    await expectError(
      api.put('products', 'p1', { name: 'x', sku: 'x', priceCents: 1, currency: 'EUR', id: 'p2' }),
      400,
      'VALIDATION_FAILED',
    );
  });
});
