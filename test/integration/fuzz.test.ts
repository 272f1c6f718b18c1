// Hostile input, fuzzed (fast-check, seeded and replayable): malformed,
// oversized and mistyped bodies, headers and query strings at every
// endpoint. Never a 5xx; every error is the error envelope; a rejected
// request writes nothing.
// A failure prints fast-check's seed and path: FC_SEED=<seed> FC_PATH=<path>
// replays it; FC_RUNS sets how many requests (npm run test:soak).
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, expect } from 'vitest';
import { signLocalToken } from '../../dev/local-token.ts';
import { routes } from '../../functions/routes.ts';
import { errorCodes } from '../../protocol/responses.ts';
import { type Stack, startStack, TEST_JWT_SECRET } from '../support/local-stack.ts';
import { propertyParams } from '../support/property.ts';

const params = propertyParams(300);
/** The client errors a hostile request may get: every code but the two server failures. */
const CODES = new Set<string>(errorCodes.filter((c) => c !== 'SERVICE_UNAVAILABLE' && c !== 'INTERNAL'));

let stack: Stack;
let token: string;
beforeAll(async () => {
  stack = await startStack();
  token = await signLocalToken(TEST_JWT_SECRET, 'fuzz-acct', 'mallory');
});
afterAll(async () => {
  await stack?.stop();
});

const now = Date.now();
const segment = fc.oneof(
  fc.constantFrom('products', 'customers', 'orders', 'widgets', '', '..', '%00', 'p1', '-x', 'a'.repeat(200)),
  fc.string({ maxLength: 20 }),
);
const path = fc.oneof(
  fc
    .constantFrom(...routes.map((r) => r.path))
    .chain((p) =>
      fc
        .tuple(segment, segment)
        .map(([c, i]) =>
          p.replace('{collection}', encodeURIComponent(c) || 'products').replace('{id}', encodeURIComponent(i) || 'x'),
        ),
    ),
  fc.webPath(),
);
const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      fc.constantFrom('deviceId', 'limit', 'cursor', 'x', 'limit[]'),
      fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('0', '-1', '1e9', 'ipad 7', '%zz')),
      { maxKeys: 3 },
    )
    .map(
      (q) =>
        '?' +
        Object.entries(q)
          .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
          .join('&'),
    ),
);
const record = fc.record(
  {
    id: fc.oneof(fc.constantFrom('p1', 'o1', ''), fc.string(), fc.integer()),
    updatedAt: fc.oneof(fc.constant(now), fc.integer(), fc.double(), fc.string(), fc.constant(2 ** 60)),
    deleted: fc.oneof(fc.boolean(), fc.string()),
    name: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
    sku: fc.string(),
    priceCents: fc.oneof(fc.integer(), fc.double(), fc.constant(-1)),
    currency: fc.constantFrom('EUR', 'eur', 'EURO', 1),
    lines: fc.array(fc.anything(), { maxLength: 3 }),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const syncBody = fc.record(
  {
    deviceId: fc.oneof(fc.constantFrom('ipad-7', '', 'ipad 7', '-x'), fc.string(), fc.integer()),
    clientTime: fc.oneof(fc.constant(now), fc.integer(), fc.string(), fc.constant(null)),
    cursor: fc.oneof(fc.constant(null), fc.string(), fc.base64String(), fc.integer()),
    limit: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.string()),
    changes: fc.oneof(
      fc.dictionary(
        fc.constantFrom('products', 'customers', 'orders', 'widgets', '__proto__', 'constructor'),
        fc.array(fc.oneof(record, fc.anything()), { maxLength: 4 }),
      ),
      fc.anything(),
    ),
    accountId: fc.string(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.constant(undefined),
  syncBody.map((b) => JSON.stringify(b)),
  record.map((r) => JSON.stringify(r)),
  fc.json(),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{',
    '[]',
    'null',
    '"x"',
    `{"changes":{"products":${'['.repeat(5000)}`,
    '\u0000\uffff',
    JSON.stringify({
      deviceId: 'ipad-7',
      clientTime: now,
      changes: { products: Array.from({ length: 1001 }, (_, i) => ({ id: `p${i}` })) },
    }),
  ),
);
const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/jsonx',
      '',
      'APPLICATION/JSON',
      'multipart/form-data; boundary=x',
    ),
    authorization: fc.constantFrom('valid', 'Bearer', 'Bearer x.y.z', 'Basic Zm9v', '', 'bearer valid'),
    'x-amz-date': fc.string(),
  },
  { requiredKeys: [] },
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  path,
  query,
  body,
  headers,
});

// @fast-check/vitest appends the seed to the test's name.
test.prop([request], params)(
  `never answers 5xx and always speaks the error envelope (${params.numRuns} requests)`,
  async ({ method, path, query, body, headers }) => {
    const sentHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) {
      sentHeaders[k] = k === 'authorization' ? v.replace('valid', token) : v;
    }
    stack.requests.reset();
    const response = await fetch(stack.api.url + path + query, {
      method,
      headers: sentHeaders,
      ...(body === undefined || method === 'GET' ? {} : { body }),
    });
    const text = await response.text();
    expect(response.status, `${method} ${path}${query} → ${response.status} ${text}`).toBeLessThan(500);
    if (response.status >= 400) {
      const parsed = JSON.parse(text) as { error?: { code?: string; message?: unknown } };
      expect(CODES.has(parsed.error?.code ?? ''), `error envelope: ${text}`).toBe(true);
      expect(typeof parsed.error?.message, `error envelope: ${text}`).toBe('string');
      expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules|Exception/);
      expect(stack.requests.written, `a ${response.status} wrote to DynamoDB`).toBe(0);
    }
  },
  10 * 60_000,
);
