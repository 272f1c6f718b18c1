// DELETE /v1/records/{collection}/{id} — the Main App deletes a record (a
// tombstone every device will apply at its next Sync Now).
import { type DepsSource, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { recordPath } from './http/params.ts';
import { deleteWebRecord } from './service/web-records.ts';

export const recordsDelete = (deps: DepsSource) =>
  httpHandler(deps, {}, async ({ event, identity, deps }) => {
    const { collection, id } = recordPath(event);
    await deleteWebRecord(deps, identity, collection, id);
    return { statusCode: 204 };
  });

export const handler = recordsDelete(lambdaDeps('RecordsDelete'));
