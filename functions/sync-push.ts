// POST /v1/sync/push — login push: the device's changes go up, nothing comes down.
import { pushRequest } from '../protocol/requests.ts';
import { lambdaServices } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { countPushOutcomes } from './http/observability.ts';
import { syncEnvelope } from './http/params.ts';
import type { ServicesSource } from './service/context.ts';
import { loginPush } from './service/login-push.ts';

export const syncPush = (services: ServicesSource) =>
  httpHandler(services, { jsonBody: true, metrics: true }, async ({ body, context }) => {
    const { response } = await loginPush(context, syncEnvelope(pushRequest, body));
    countPushOutcomes(response.results);
    return { statusCode: 200, body: response };
  });

export const handler = syncPush(lambdaServices('SyncPush'));
