// GET /v1/records/{collection}?limit=&cursor=&from=&to= — live records, a page at a time.
import { listQuery } from '../protocol/requests.ts';
import { lambdaServices } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { collectionParam, queryParams } from './http/params.ts';
import type { ServicesSource } from './service/context.ts';
import { listWebRecords } from './service/web-records.ts';

export const recordsList = (services: ServicesSource) =>
  httpHandler(services, {}, async ({ event, context }) => {
    const collection = collectionParam(event.pathParameters?.collection);
    return { statusCode: 200, body: await listWebRecords(context, collection, queryParams(listQuery, event)) };
  });

export const handler = recordsList(lambdaServices('RecordsList'));
