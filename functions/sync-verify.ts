// POST /v1/sync/verify — count and digest per id range of one collection's
// live records (service/verify.ts). Writes nothing; the deviceId is checked
// and logged with the page (http/observability.ts).
import { verifyRequest } from '../protocol/requests.ts';
import { type DepsSource, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { recordVerify } from './http/observability.ts';
import { syncEnvelope } from './http/params.ts';
import { verifyRange } from './service/verify.ts';

export const syncVerify = (deps: DepsSource) =>
  httpHandler(deps, { jsonBody: true, metrics: true }, async ({ body, identity, deps }) => {
    const request = syncEnvelope(verifyRequest, body);
    const response = await verifyRange(deps, identity, request);
    recordVerify(request, response);
    return { statusCode: 200, body: response };
  });

export const handler = syncVerify(lambdaDeps('SyncVerify'));
