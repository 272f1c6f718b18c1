// GET /v1/records/{collection}/{id} — one record; 410 with the tombstone if deleted.
import { type DepsSource, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { recordPath } from './http/params.ts';
import { getWebRecord } from './service/web-records.ts';

export const recordsGet = (deps: DepsSource) =>
  httpHandler(deps, {}, async ({ event, identity, deps }) => {
    const { collection, id } = recordPath(event);
    return { statusCode: 200, body: { record: await getWebRecord(deps, identity, collection, id) } };
  });

export const handler = recordsGet(lambdaDeps('RecordsGet'));
