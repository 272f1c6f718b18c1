// GET /v1/records/{collection}?limit=&cursor= — live records, a page at a time.
import * as z from 'zod';
import { lambdaDeps } from './deps.ts';
import { type DepsSource, httpHandler } from './http/http-handler.ts';
import { collectionParam, queryParams } from './http/params.ts';
import { listWebRecords } from './service/web-records.ts';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(4096).optional(),
});

export const recordsList = (deps: DepsSource) =>
  httpHandler(deps, {}, async ({ event, identity, deps }) => {
    const collection = collectionParam(event.pathParameters?.collection);
    const { limit, cursor } = queryParams(listQuery, event);
    return { statusCode: 200, body: await listWebRecords(deps, identity.accountId, collection, limit, cursor ?? null) };
  });

export const handler = recordsList(lambdaDeps);
