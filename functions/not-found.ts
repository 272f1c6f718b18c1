// Any route the API does not define: the 404 envelope, no auth (the
// route check comes before the token check). API Gateway's $default route.
import { errorBody } from './http/errors.ts';
import { plainHandler } from './http/http-handler.ts';

export const notFound = () => plainHandler(() => ({ statusCode: 404, body: errorBody('NOT_FOUND', 'no such route') }));

export const handler = notFound();
