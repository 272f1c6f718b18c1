// POST /v1/sync/verify — count and digest per id range of one collection's
// live records (service/verify.ts). Writes nothing; the deviceId is checked
// and logged with the page (http/observability.ts).
import { verifyRequest } from '../protocol/requests.ts';
import { lambdaServices } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { recordVerify } from './http/observability.ts';
import { syncEnvelope } from './http/params.ts';
import type { ServicesSource } from './service/context.ts';
import { verifyRange } from './service/verify.ts';

export const syncVerify = (services: ServicesSource) =>
  httpHandler(services, { jsonBody: true, metrics: true }, async ({ body, context }) => {
    const request = syncEnvelope(verifyRequest, body);
    const response = await verifyRange(context, request);
    recordVerify(request, response);
    return { statusCode: 200, body: response };
  });

export const handler = syncVerify(lambdaServices('SyncVerify'));
