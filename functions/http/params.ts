// Turning the parts of a request into checked values, or the API's 4xx.
import type { z } from 'zod';
import { ID_PATTERN, toIssues } from '../../protocol/fields.ts';
import { MAX_RECORDS_PER_REQUEST } from '../../protocol/limits.ts';
import { type CollectionName, collectionNames, isCollectionName } from '../../protocol/records.ts';
import { checkEnvelope } from '../../protocol/requests.ts';
import { DomainError } from '../core/errors.ts';
import type { ApiEvent } from './http-handler.ts';

/** A sync envelope, or 413 (too many records) / 400 (wrong shape). */
export function syncEnvelope<T>(schema: z.ZodType<T>, body: unknown): T {
  const checked = checkEnvelope(schema, body);
  if (checked.ok) return checked.value;
  if (checked.tooLarge) {
    throw new DomainError('PAYLOAD_TOO_LARGE', `at most ${MAX_RECORDS_PER_REQUEST} records per request`);
  }
  throw new DomainError('BAD_REQUEST', 'the request envelope is not valid', { issues: checked.issues });
}

/** `{collection}` and `{id}` of a records route. An unknown collection is 400. */
export function recordPath(event: ApiEvent): { collection: CollectionName; id: string } {
  const { collection, id } = event.pathParameters ?? {};
  return { collection: collectionParam(collection), id: recordIdParam(id) };
}

export function collectionParam(collection: string | undefined): CollectionName {
  if (collection === undefined || !isCollectionName(collection)) {
    throw new DomainError('BAD_REQUEST', `unknown collection; expected one of ${collectionNames.join(', ')}`);
  }
  return collection;
}

function recordIdParam(id: string | undefined): string {
  if (id === undefined || !ID_PATTERN.test(id)) {
    throw new DomainError('BAD_REQUEST', `the record id must match ${ID_PATTERN.source}`);
  }
  return id;
}

/** Query string parameters against a schema; 400 with issues when they do not fit. */
export function queryParams<T>(schema: z.ZodType<T>, event: ApiEvent): T {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) {
    throw new DomainError('BAD_REQUEST', 'the query string is not valid', { issues: toIssues(parsed.error) });
  }
  return parsed.data;
}
