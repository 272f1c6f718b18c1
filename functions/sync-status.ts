// GET /v1/sync/status?deviceId= — the Account sync page.
import * as z from 'zod';
import { deviceId } from './core/collections.ts';
import { lambdaDeps } from './deps.ts';
import { type DepsSource, httpHandler } from './http/http-handler.ts';
import { queryParams } from './http/params.ts';
import { readSyncStatus } from './service/status.ts';

const statusQuery = z.strictObject({ deviceId: deviceId.optional() });

export const syncStatus = (deps: DepsSource) =>
  httpHandler(deps, {}, async ({ event, identity, deps }) => {
    const query = queryParams(statusQuery, event);
    const status = await readSyncStatus(deps, identity.accountId, query.deviceId ?? null);
    return { statusCode: 200, body: { serverTime: deps.now(), ...status } };
  });

export const handler = syncStatus(lambdaDeps);
