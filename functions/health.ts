// GET /v1/health — no auth, no database: is the API up.
import { plainHandler } from './http/http-handler.ts';

export const health = () => plainHandler(() => ({ statusCode: 200, body: { ok: true } }));

export const handler = health();
