// POST /v1/sync/now — Sync Now: push pending changes, then pull every change
// since the device's cursor, a page at a time.
import type { SyncNowResponse } from '../protocol/responses.ts';
import { syncNowRequest } from './core/requests.ts';
import { lambdaDeps } from './deps.ts';
import { type DepsSource, httpHandler } from './http/http-handler.ts';
import { countPull, countPushOutcomes } from './http/observability.ts';
import { syncEnvelope } from './http/params.ts';
import { openCursor, pullPage } from './service/pull.ts';
import { type PushOutcome, reconcileChanges } from './service/push.ts';

const nothingPushed: PushOutcome = { results: {}, winners: {}, stored: {}, pushed: 0 };

export const syncNow = (deps: DepsSource) =>
  httpHandler(deps, { jsonBody: true, metrics: true }, async ({ body, identity, receivedAt, deps }) => {
    const request = syncEnvelope(syncNowRequest, body);
    const { accountId, userId } = identity;
    const position = openCursor(deps, accountId, request.cursor); // BAD_CURSOR before any write
    const pushed =
      Object.keys(request.changes).length > 0
        ? await reconcileChanges(deps, accountId, request.deviceId, request.clientTime, request.changes, receivedAt)
        : nothingPushed;
    const page = await pullPage(deps, accountId, position, request.limit, pushed.stored, pushed.winners);
    countPushOutcomes(pushed.results);
    countPull({ records: Object.values(page.changes).flat().length, reset: page.reset, complete: page.complete });
    const serverTime = deps.now();
    if (page.complete)
      await deps.syncState.recordSync(
        accountId,
        request.deviceId,
        userId,
        serverTime,
        page.passStart,
        pushed.pushed > 0,
      );
    else if (pushed.pushed > 0) await deps.syncState.recordPush(accountId, request.deviceId, userId, serverTime);
    const { changes, cursor, hasMore, reset } = page;
    const response: SyncNowResponse = { serverTime, results: pushed.results, changes, cursor, hasMore, reset };
    return { statusCode: 200, body: response };
  });

export const handler = syncNow(lambdaDeps);
