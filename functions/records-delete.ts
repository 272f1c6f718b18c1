// DELETE /v1/records/{collection}/{id} — the Main App deletes a record (a
// tombstone every device will apply at its next Sync Now).
import { lambdaServices } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { recordPath } from './http/params.ts';
import type { ServicesSource } from './service/context.ts';
import { deleteWebRecord } from './service/web-records.ts';

export const recordsDelete = (services: ServicesSource) =>
  httpHandler(services, {}, async ({ event, context }) => {
    const { collection, id } = recordPath(event);
    await deleteWebRecord(context, collection, id);
    return { statusCode: 204 };
  });

export const handler = recordsDelete(lambdaServices('RecordsDelete'));
