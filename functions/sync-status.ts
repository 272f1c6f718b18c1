// GET /v1/sync/status?deviceId= — the Account sync page.
import { statusQuery } from '../protocol/requests.ts';
import { type DepsSource, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { queryParams } from './http/params.ts';
import { readSyncStatus } from './service/status.ts';

export const syncStatus = (deps: DepsSource) =>
  httpHandler(deps, {}, async ({ event, identity, deps }) => {
    const query = queryParams(statusQuery, event);
    return { statusCode: 200, body: await readSyncStatus(deps, identity, query.deviceId ?? null) };
  });

export const handler = syncStatus(lambdaDeps('SyncStatus'));
