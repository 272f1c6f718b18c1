// POST /v1/sync/now — Sync Now: push pending changes, then pull every change
// since the device's cursor, a page at a time (service/sync-now.ts).
import { syncNowRequest } from '../protocol/requests.ts';
import { lambdaServices } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { countPull, countPushOutcomes } from './http/observability.ts';
import { syncEnvelope } from './http/params.ts';
import type { ServicesSource } from './service/context.ts';
import { syncNow as runSyncNow } from './service/sync-now.ts';

export const syncNow = (services: ServicesSource) =>
  httpHandler(services, { jsonBody: true, metrics: true }, async ({ body, context }) => {
    const request = syncEnvelope(syncNowRequest, body);
    const { response, page } = await runSyncNow(context, request);
    countPushOutcomes(response.results);
    countPull({
      records: Object.values(response.changes).flat().length,
      reset: response.reset,
      complete: page.complete,
    });
    return { statusCode: 200, body: response };
  });

export const handler = syncNow(lambdaServices('SyncNow'));
