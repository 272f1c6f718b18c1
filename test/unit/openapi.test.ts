// The OpenAPI document: generated from the zod schemas, committed as
// docs/openapi.json (served at GET /v1/openapi.json), valid OpenAPI 3.1, and
// describing every route the API has — no more, no fewer.
import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes.ts';
import { buildOpenApiDocument } from '../../protocol/openapi.ts';
import { OPENAPI_FILE, renderOpenApiDocument } from '../../protocol/openapi-file.ts';

type Document = { paths: Record<string, Record<string, unknown>> };

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
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('marks exactly the routes without a token as needing none', () => {
    const { paths } = buildOpenApiDocument() as Document;
    for (const route of routes) {
      const operation = paths[route.path]?.[route.method.toLowerCase()] as { security?: unknown[] };
      expect(operation.security, `${route.method} ${route.path}`).toEqual(route.authenticated ? undefined : []);
    }
  });
});
