// The OpenAPI document: generated from the route table and the zod schemas,
// committed as docs/openapi.json (served at GET /v1/openapi.json), valid
// OpenAPI 3.1, describing every route — the records routes once per
// collection, so each has its own body — and exact where a generated client
// would trip: examples that validate, bodies the server accepts, records
// open to new members. (Every response the integration suite receives is
// checked against it too: test/support/local-stack.ts.)
import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes.ts';
import { buildOpenApiDocument } from '../../protocol/openapi.ts';
import { OPENAPI_FILE, renderOpenApiDocument } from '../../protocol/openapi-file.ts';
import { collectionNames } from '../../protocol/records.ts';
import { check, violations } from '../support/openapi-validator.ts';

type Document = { paths: Record<string, Record<string, Record<string, unknown>>> };

/** Each route as the document lists it: the records routes once per collection. */
const expected = routes.flatMap((r) =>
  r.path.includes('{collection}')
    ? collectionNames.map((c) => ({ ...r, path: r.path.replace('{collection}', c) }))
    : [r],
);

describe('the OpenAPI document', () => {
  it('is committed exactly as the schemas generate it (run `npm run openapi` after changing a schema)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(renderOpenApiDocument());
  });

  it('validates as OpenAPI 3.1', async () => {
    const document = buildOpenApiDocument();
    const result = await validate(structuredClone(document) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('documents every route the API serves, and only those', () => {
    const { paths } = buildOpenApiDocument() as Document;
    const documented = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(expected.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('marks exactly the routes without a token as needing none', () => {
    const { paths } = buildOpenApiDocument() as Document;
    for (const route of expected) {
      const operation = paths[route.path]?.[route.method.toLowerCase()] as { security?: unknown[] };
      expect(operation.security, `${route.method} ${route.path}`).toEqual(route.authenticated ? undefined : []);
    }
  });

  it('every example validates against its own schema', () => {
    const { paths } = buildOpenApiDocument() as Document;
    let examples = 0;
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const body = (op.requestBody as { content?: Record<string, { schema: { $ref: string }; example?: unknown }> })
          ?.content?.['application/json'];
        if (body?.example === undefined) continue;
        examples += 1;
        expect(check(body.schema.$ref, body.example), `${method} ${path}`).toBeNull();
      }
    }
    expect(examples).toBeGreaterThanOrEqual(4);
  });

  it("one web body per collection: a customer's body is not a product's", () => {
    expect(check('#/components/schemas/CustomerBody', { name: 'Bistro' })).toBeNull();
    expect(check('#/components/schemas/ProductBody', { name: 'Bistro' })).toMatch(/sku/);
    // Members the server accepts and ignores are accepted here too: a fetched record sent back as is.
    const fetched = { name: 'Bistro', updatedAt: 1, deleted: false, updatedBy: { userId: 'u', deviceId: null } };
    expect(check('#/components/schemas/CustomerBody', fetched)).toBeNull();
    expect(check('#/components/schemas/CustomerBody', { name: 'Bistro', colour: 'red' })).not.toBeNull();
  });

  it('records in responses are open to members a newer server adds; envelopes are not', () => {
    const product = { id: 'p1', updatedAt: 1_764_000_000_000, name: 'n', sku: 's', priceCents: 1, currency: 'EUR' };
    const record = { ...product, updatedBy: { userId: 'u', deviceId: null }, discountCents: 5 };
    expect(check('#/components/schemas/ProductResponse', { record })).toBeNull();
    expect(check('#/components/schemas/ProductResponse', { record, extra: 1 })).not.toBeNull();
  });

  it('the validator it is held to catches what it should (a status, a header, a body the document does not have)', () => {
    const ok = { 'content-type': 'application/json' };
    const health = { method: 'GET', path: '/v1/health', headers: ok, body: '{"ok":true}' };
    expect(violations({ ...health, status: 200 })).toStrictEqual([]);
    expect(violations({ ...health, status: 201 })).toHaveLength(1);
    expect(violations({ ...health, status: 200, headers: { ...ok, 'x-debug': '1' } })).toHaveLength(1);
    expect(violations({ ...health, status: 200, body: '{"ok":false}' })).toHaveLength(1);
    const unknown = {
      method: 'GET',
      path: '/v1/nope',
      headers: ok,
      body: '{"error":{"code":"NOT_FOUND","message":"m"}}',
    };
    expect(violations({ ...unknown, status: 404 })).toStrictEqual([]);
    const wrongMethod = { ...unknown, method: 'PATCH', path: '/v1/sync/push', status: 405 };
    expect(violations(wrongMethod)).toStrictEqual(['PATCH /v1/sync/push → 405: no allow header']);
    expect(violations({ ...wrongMethod, headers: { ...ok, allow: 'POST' } })).toStrictEqual([]);
  });
});
