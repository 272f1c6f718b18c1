// GET /v1/sync/status?deviceId= — the Account sync page.
import { statusQuery } from '../protocol/requests.ts';
import { lambdaServices } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { queryParams } from './http/params.ts';
import type { ServicesSource } from './service/context.ts';
import { readSyncStatus } from './service/status.ts';

export const syncStatus = (services: ServicesSource) =>
  httpHandler(services, {}, async ({ event, context }) => {
    const query = queryParams(statusQuery, event);
    return { statusCode: 200, body: await readSyncStatus(context, query.deviceId ?? null) };
  });

export const handler = syncStatus(lambdaServices('SyncStatus'));
