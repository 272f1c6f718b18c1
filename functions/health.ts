// GET /v1/health — no auth, no database: is the API up.
import { type Deps, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';

export const health = (deps: () => Deps) =>
  httpHandler(deps, { authenticated: false }, async () => ({ statusCode: 200, body: { ok: true } }));

export const handler = health(lambdaDeps);
