// GET /v1/sync/status?deviceId= — the Account sync page.
import type { StatusResponse } from '../protocol/responses.ts';
import { statusQuery } from './core/requests.ts';
import { lambdaDeps } from './deps.ts';
import { type DepsSource, httpHandler } from './http/http-handler.ts';
import { queryParams } from './http/params.ts';
import { readSyncStatus } from './service/status.ts';

export const syncStatus = (deps: DepsSource) =>
  httpHandler(deps, {}, async ({ event, identity, deps }) => {
    const query = queryParams(statusQuery, event);
    const status = await readSyncStatus(deps, identity.accountId, query.deviceId ?? null);
    const body: StatusResponse = { serverTime: deps.now(), ...status };
    return { statusCode: 200, body };
  });
export const handler = syncStatus(lambdaDeps);
