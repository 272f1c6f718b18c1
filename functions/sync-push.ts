// POST /v1/sync/push — login push: the device's changes go up, nothing comes
// down (the rep's catalogue must not shift mid-demo).
import type { PushResponse } from '../protocol/responses.ts';
import { pushRequest } from './core/requests.ts';
import { lambdaDeps } from './deps.ts';
import { type DepsSource, httpHandler } from './http/http-handler.ts';
import { countPushOutcomes } from './http/observability.ts';
import { syncEnvelope } from './http/params.ts';
import { reconcileChanges } from './service/push.ts';

export const syncPush = (deps: DepsSource) =>
  httpHandler(deps, { jsonBody: true, metrics: true }, async ({ body, identity, receivedAt, deps }) => {
    const request = syncEnvelope(pushRequest, body);
    const { accountId, userId } = identity;
    const outcome = await reconcileChanges(
      deps,
      accountId,
      request.deviceId,
      request.clientTime,
      request.changes,
      receivedAt,
    );
    countPushOutcomes(outcome.results);
    const serverTime = deps.now();
    await deps.syncState.recordPush(accountId, request.deviceId, userId, serverTime);
    const response: PushResponse = { serverTime, results: outcome.results };
    return { statusCode: 200, body: response };
  });

export const handler = syncPush(lambdaDeps);
