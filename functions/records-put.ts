// PUT /v1/records/{collection}/{id} — the Main App creates or replaces a record.
import { parseWebBody } from '../protocol/collections.ts';
import { DomainError } from './core/errors.ts';
import { type DepsSource, lambdaDeps } from './deps.ts';
import { httpHandler } from './http/http-handler.ts';
import { recordPath } from './http/params.ts';
import { putWebRecord } from './service/web-records.ts';

export const recordsPut = (deps: DepsSource) =>
  httpHandler(deps, { jsonBody: true }, async ({ event, body, identity, deps }) => {
    const { collection, id } = recordPath(event);
    const parsed = parseWebBody(collection, id, body);
    if (!parsed.ok) throw new DomainError('VALIDATION_FAILED', 'the record is not valid', { issues: parsed.issues });
    const { created, record } = await putWebRecord(deps, identity, collection, id, parsed.fields);
    return { statusCode: created ? 201 : 200, body: { record } };
  });

export const handler = recordsPut(lambdaDeps('RecordsPut'));
