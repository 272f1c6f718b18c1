// GET /v1/records/{collection}?limit=&cursor=&from=&to= — live records, a page at a time.
import { listQuery } from '../protocol/requests.ts';
import { type DepsSource, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { collectionParam, queryParams } from './http/params.ts';
import { listWebRecords } from './service/web-records.ts';

export const recordsList = (deps: DepsSource) =>
  httpHandler(deps, {}, async ({ event, identity, deps, encoding }) => {
    const collection = collectionParam(event.pathParameters?.collection);
    return {
      statusCode: 200,
      body: await listWebRecords(deps, identity, collection, queryParams(listQuery, event), encoding),
    };
  });

export const handler = recordsList(lambdaDeps('RecordsList'));
