// PUT /v1/records/{collection}/{id} — the Main App creates or replaces a record.
import { parseWebBody } from '../protocol/records.ts';
import { DomainError } from './core/errors.ts';
import { lambdaServices } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { recordPath } from './http/params.ts';
import type { ServicesSource } from './service/context.ts';
import { putWebRecord } from './service/web-records.ts';

export const recordsPut = (services: ServicesSource) =>
  httpHandler(services, { jsonBody: true }, async ({ event, body, context }) => {
    const { collection, id } = recordPath(event);
    const parsed = parseWebBody(collection, id, body);
    if (!parsed.ok) throw new DomainError('VALIDATION_FAILED', 'the record is not valid', { issues: parsed.issues });
    const { created, record } = await putWebRecord(context, collection, id, parsed.fields);
    return { statusCode: created ? 201 : 200, body: { record } };
  });

export const handler = recordsPut(lambdaServices('RecordsPut'));
