// POST /v1/sync/push — login push: the device's changes go up, nothing comes
// down (the rep's catalogue must not shift mid-demo).
import { pushRequest } from './core/requests.ts';
import { type Deps, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { syncEnvelope } from './http/params.ts';
import { reconcileChanges } from './service/push.ts';

export const syncPush = (deps: () => Deps) =>
  httpHandler(deps, { jsonBody: true }, async ({ body, identity, receivedAt, deps }) => {
    const request = syncEnvelope(pushRequest, body);
    const { accountId, userId } = identity;
    const outcome = await reconcileChanges(deps, accountId, request.deviceId, request.clientTime, request.changes, receivedAt);
    const serverTime = deps.now();
    await deps.syncState.recordPush(accountId, request.deviceId, userId, serverTime);
    return { statusCode: 200, body: { serverTime, results: outcome.results } };
  });

export const handler = syncPush(lambdaDeps);
