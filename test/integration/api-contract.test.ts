// Every response the API gives is what the OpenAPI document says: real
// responses over HTTP, parsed with the same zod schemas the document is
// generated from — and a parse must change nothing (the schemas strip keys
// they do not know, so an undocumented field would show here). And the
// document itself is served without a token.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { OPENAPI_FILE } from '../../protocol/openapi-file.ts';
import {
  errorResponse,
  healthResponse,
  listResponse,
  pushResponse,
  recordResponse,
  statusResponse,
  syncNowResponse,
  verifyResponse,
} from '../../protocol/responses.ts';
import { type ApiClient, product, type Stack, startStack, webProduct } from '../support/local-stack.ts';

/** Parses `body` with `schema` and checks the parse kept every key: nothing undocumented, nothing missing. */
function exact<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.parse(body);
  expect(parsed).toStrictEqual(body);
  return parsed;
}

let stack: Stack;
let web: ApiClient;
beforeAll(async () => {
  stack = await startStack();
  web = await stack.as(stack.newAccount());
});
afterAll(async () => {
  await stack?.stop();
});

describe('the API contract', () => {
  it('serves the committed OpenAPI document at /v1/openapi.json without a token', async () => {
    const response = await fetch(`${stack.api.url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
  });

  it('answers every route with the documented shape', async () => {
    const now = Date.now();
    expect(exact(healthResponse, (await web.request('GET', '/v1/health')).body)).toEqual({ ok: true });

    const created = await web.put('products', 'p1', webProduct('Espresso machine', 49_900));
    expect(created.status).toBe(201);
    exact(recordResponse, created.body);
    exact(recordResponse, (await web.get('products', 'p1')).body);
    exact(listResponse, (await web.request('GET', '/v1/records/products?limit=1')).body);

    const pushed = await web.push('ipad-7', {
      products: [product('p1', now - 60_000), product('p2', now)],
      orders: [{ id: 'o1', updatedAt: now, deleted: true }, { id: 'o2' }],
    });
    const push = exact(pushResponse, pushed.body);
    expect(push.results.products?.map((r) => r.status)).toEqual(['stale', 'created']);
    expect(push.results.orders?.map((r) => r.status)).toEqual(['created', 'invalid']);

    const first = exact(
      syncNowResponse,
      (await web.syncNow('ipad-7', null, { changes: { products: [product('p1', now - 30_000)] } })).body,
    );
    expect(first.changes.products.map((r) => r.id).sort()).toEqual(['p1', 'p2']);
    expect(first.hasMore).toBe(false);
    expect(await web.delete('products', 'p2')).toMatchObject({ status: 204 });
    const next = exact(syncNowResponse, (await web.syncNow('ipad-7', first.cursor)).body);
    expect(next.changes.products).toContainEqual(expect.objectContaining({ id: 'p2', deleted: true }));

    const verify = (body: Record<string, unknown>) =>
      web.request('POST', '/v1/sync/verify', { deviceId: 'ipad-7', collection: 'products', ...body });
    const verified = exact(verifyResponse, (await verify({ parts: 2 })).body);
    expect(verified.parts.reduce((n, p) => n + p.count, 0)).toBe(1); // p1 (p2 is now a tombstone)
    exact(verifyResponse, (await verify({ from: 'p', to: 'q', parts: 1, cursor: null })).body);

    const status = exact(statusResponse, (await web.status('ipad-7')).body);
    expect(status.device?.deviceId).toBe('ipad-7');
    exact(statusResponse, (await web.status()).body);
  });

  it('answers every error with the documented envelope', async () => {
    const gone = await web.get('products', 'p2');
    expect(gone.status).toBe(410);
    expect(exact(errorResponse, gone.body).record).toMatchObject({ id: 'p2', deleted: true });
    const failures = [
      await web.get('products', 'never'),
      await web.request('GET', '/v1/nope'),
      await web.request('POST', '/v1/sync/push', '{not json'),
      await web.put('products', 'p3', { name: '' }),
      await web.syncNow('ipad-7', 'forged'),
      await web.request('POST', '/v1/sync/verify', { deviceId: 'ipad-7', collection: 'products', parts: 0 }),
      await web.request('POST', '/v1/sync/push', 'x', { 'content-type': 'text/plain' }),
      await new (web.constructor as typeof ApiClient)(web.url, 'bad-token').status(),
    ];
    expect(failures.map((f) => f.status)).toEqual([404, 404, 400, 400, 400, 400, 415, 401]);
    for (const failure of failures) exact(errorResponse, failure.body);
  });
});
