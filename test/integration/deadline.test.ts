// No request ends in 500 for want of time (docs/protocol.md, "Errors and
// limits"): with a fault-injecting proxy between the API and DynamoDB Local,
// on a stack with the deployed 10 s function timeout, every route answers a
// DynamoDB that throttles everything with 503 and Retry-After inside the
// timeout; and under 10 % faults — throttles, internal errors, connections
// dropped before a call reached the table or after it landed — nothing the
// API acknowledged is missing and nothing is written twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_TIMEOUT_SECONDS } from '../../functions/routes.ts';
import { type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';
import { type ApiClient, product, type Response, type Stack, startStack, webProduct } from '../support/local-stack.ts';

const TIMEOUT_MS = FUNCTION_TIMEOUT_SECONDS * 1000;
let proxy: FaultProxy;
let stack: Stack;
const loud: string[] = [];
beforeAll(async () => {
  stack = await startStack({
    timeoutMs: TIMEOUT_MS,
    log: (line) => loud.push(line),
    between: async (endpoint) => {
      proxy = await startFaultProxy(endpoint);
      return proxy;
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Every route that reaches DynamoDB, once: [route name, call]. */
function everyDatabaseRoute(api: ApiClient, verify: Record<string, unknown>): [string, () => Promise<Response>][] {
  return [
    ['SyncPush', () => api.push('ipad-1', { products: [product('p1', Date.now())] })],
    ['SyncNow', () => api.syncNow('ipad-1', null)],
    ['SyncStatus', () => api.status('ipad-1')],
    ['SyncVerify', () => api.request('POST', '/v1/sync/verify', verify)],
    ['RecordsList', () => api.request('GET', '/v1/records/products')],
    ['RecordsPut', () => api.put('products', 'p2', webProduct('Grinder'))],
    ['RecordsGet', () => api.get('products', 'p1')],
    ['RecordsDelete', () => api.delete('products', 'p1')],
  ];
}

describe('DynamoDB throttling every call', () => {
  it('every route answers 503 with Retry-After before the function times out, never 500', async () => {
    const api = await stack.as(stack.newAccount());
    await api.put('products', 'p1', webProduct('Espresso'));
    proxy.faults = () => 'throttle';
    try {
      const routes = everyDatabaseRoute(api, { deviceId: 'ipad-1', collection: 'products' });
      const answers = await Promise.all(
        routes.map(async ([route, call]) => {
          const started = performance.now();
          const response = await call();
          return {
            route,
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
            code: (response.body as { error?: { code?: string } }).error?.code,
            inTime: performance.now() - started < TIMEOUT_MS,
          };
        }),
      );
      expect(answers).toStrictEqual(
        routes.map(([route]) => ({
          route,
          status: 503,
          retryAfter: '1',
          code: 'SERVICE_UNAVAILABLE',
          inTime: true,
        })),
      );
      expect(proxy.injected.get('throttle')).toBeGreaterThan(routes.length * 3);
      expect(loud.filter((l) => /timed out/.test(l))).toStrictEqual([]);
    } finally {
      proxy.faults = () => undefined;
    }
  });
});

describe('10 % of DynamoDB calls failing', () => {
  it('nothing acknowledged is missing, nothing is written twice', async () => {
    const account = stack.newAccount();
    const kinds: Fault[] = ['throttle', 'error', 'drop-before', 'drop-after'];
    let n = 0;
    // Every tenth call fails, the kinds in turn: deterministic, and every kind hit many times.
    proxy.faults = () => (++n % 10 === 0 ? kinds[(n / 10) % kinds.length] : undefined);
    proxy.landed.clear();
    try {
      const ipad = await stack.device(account, 'ipad-1');
      for (let i = 0; i < 150; i++) {
        await ipad.save('products', {
          id: `p${i}`,
          name: `Product ${i}`,
          sku: `S-${i}`,
          priceCents: i,
          currency: 'EUR',
        });
      }
      const { results } = await ipad.loginPush();

      // The web writes too, retrying what did not answer 200 or 201 as a browser app would.
      const web = await stack.as(account, 'web-admin');
      for (let i = 0; i < 40; i++) {
        for (let attempt = 0; ; attempt++) {
          const response = await web.put('customers', `c${i}`, { name: `Customer ${i}` }).catch(() => null);
          if (response && response.status < 300) break;
          expect(response?.status ?? 503, 'a failure is 503, never 500').toBe(503);
          expect(attempt).toBeLessThan(20);
        }
      }
      proxy.faults = () => undefined;

      const acknowledged = results.filter((r) => r.status !== 'invalid');
      expect(acknowledged).toHaveLength(150);
      for (const r of acknowledged) {
        const stored = await web.get('products', r.id!);
        expect(stored.status, r.id!).toBe(200);
        expect(stored.body.record).toMatchObject({ name: `Product ${r.id!.slice(1)}` });
      }
      for (let i = 0; i < 40; i++) expect((await web.get('customers', `c${i}`)).status).toBe(200);
      const twice = [...proxy.landed].filter(([, times]) => times > 1);
      expect(twice, 'each version written once, however often its call was retried').toStrictEqual([]);
      expect(proxy.landed.size).toBe(190);
      for (const kind of kinds) expect(proxy.injected.get(kind), kind).toBeGreaterThan(2);
    } finally {
      proxy.faults = () => undefined;
    }
  });
});
