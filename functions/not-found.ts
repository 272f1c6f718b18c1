// Any request no route takes (API Gateway's catch-all, the local server's
// fallback), decided by the route table before the token, as the protocol
// orders its checks: a path the API knows, asked with another method, is 405
// with `Allow`; anything else 404. No auth, no database.
import { methodsFor } from '../protocol/routes.ts';
import { errorBody } from './http/errors.ts';
import { plainHandler } from './http/http-handler.ts';

export const notFound = () =>
  plainHandler((event) => {
    const allowed = methodsFor(event.rawPath ?? '');
    if (allowed.length === 0) return { statusCode: 404, body: errorBody('NOT_FOUND', 'no such route') };
    return {
      statusCode: 405,
      body: errorBody('METHOD_NOT_ALLOWED', `this path takes ${allowed.join(', ')}`),
      headers: { Allow: allowed.join(', ') },
    };
  });

export const handler = notFound();
