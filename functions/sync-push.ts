// POST /v1/sync/push — login push: the device's changes go up, nothing comes down.
import { pushRequest } from '../protocol/requests.ts';
import { type DepsSource, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { countPushOutcomes } from './http/observability.ts';
import { syncEnvelope } from './http/params.ts';
import { loginPush } from './service/login-push.ts';

export const syncPush = (deps: DepsSource) =>
  httpHandler(deps, { jsonBody: true, metrics: true }, async ({ body, identity, receivedAt, deps }) => {
    const { response } = await loginPush(deps, identity, syncEnvelope(pushRequest, body), receivedAt);
    countPushOutcomes(response.results);
    return { statusCode: 200, body: response };
  });

export const handler = syncPush(lambdaDeps('SyncPush'));
