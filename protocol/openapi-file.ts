// Where the generated OpenAPI document lives, and its exact text, for the
// generator script and the test that keeps the committed file current.
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from './openapi.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
