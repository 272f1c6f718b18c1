// Any route SPEC §5 does not define: the SPEC's 404 envelope, no auth (the
// route check comes before the token check). API Gateway's $default route.
import { errorBody } from './http/errors.ts';
import { plainHandler } from './http/http-handler.ts';

export const notFound = () => plainHandler(() => ({ statusCode: 404, body: errorBody('NOT_FOUND', 'no such route') }));

export const handler = notFound();
