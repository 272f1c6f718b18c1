// GET /v1/records/{collection}/{id} — one record; 410 with the tombstone if deleted.
import { lambdaServices } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { recordPath } from './http/params.ts';
import type { ServicesSource } from './service/context.ts';
import { getWebRecord } from './service/web-records.ts';

export const recordsGet = (services: ServicesSource) =>
  httpHandler(services, {}, async ({ event, context }) => {
    const { collection, id } = recordPath(event);
    return { statusCode: 200, body: { record: await getWebRecord(context, collection, id) } };
  });

export const handler = recordsGet(lambdaServices('RecordsGet'));
