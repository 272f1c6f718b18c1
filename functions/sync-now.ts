// POST /v1/sync/now — Sync Now: push pending changes, then pull every change
// since the device's cursor, a page at a time (service/sync-now.ts).
import { syncNowRequest } from '../protocol/requests.ts';
import { type DepsSource, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { countPull, countPushOutcomes } from './http/observability.ts';
import { syncEnvelope } from './http/params.ts';
import { syncNow as runSyncNow } from './service/sync-now.ts';

export const syncNow = (deps: DepsSource) =>
  httpHandler(deps, { jsonBody: true, metrics: true }, async ({ body, identity, receivedAt, encoding, deps }) => {
    const request = syncEnvelope(syncNowRequest, body);
    const { response, page } = await runSyncNow(deps, identity, request, receivedAt, encoding);
    countPushOutcomes(response.results);
    countPull({
      records: Object.values(response.changes).flat().length,
      reset: response.reset,
      complete: page.complete,
    });
    return { statusCode: 200, body: response };
  });

export const handler = syncNow(lambdaDeps('SyncNow'));
