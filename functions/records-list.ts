// GET /v1/records/{collection}?limit=&cursor= — live records, a page at a time.
import type { ListResponse } from '../protocol/responses.ts';
import { listQuery } from './core/requests.ts';
import { lambdaDeps } from './deps.ts';
import { type DepsSource, httpHandler } from './http/http-handler.ts';
import { collectionParam, queryParams } from './http/params.ts';
import { listWebRecords } from './service/web-records.ts';

export const recordsList = (deps: DepsSource) =>
  httpHandler(deps, {}, async ({ event, identity, deps }) => {
    const collection = collectionParam(event.pathParameters?.collection);
    const { limit, cursor } = queryParams(listQuery, event);
    const body: ListResponse = await listWebRecords(deps, identity.accountId, collection, limit, cursor ?? null);
    return { statusCode: 200, body };
  });
export const handler = recordsList(lambdaDeps);
