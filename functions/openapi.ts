// GET /v1/openapi.json — the API's OpenAPI 3.1 description, no token. The
// committed docs/openapi.json, bundled into the function (a test keeps it
// equal to what the zod schemas generate).
import document from '../docs/openapi.json' with { type: 'json' };
import { plainHandler } from './http/http-handler.ts';

export const openApi = () => plainHandler(() => ({ statusCode: 200, body: document }));

export const handler = openApi();
