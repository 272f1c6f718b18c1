// The OpenAPI 3.1 document of the API, generated from the zod schemas the
// handlers validate requests with and type their responses by
// (protocol/responses.ts). `npm run openapi` writes it to docs/openapi.json;
// a test fails when the committed file differs from what this produces, and
// `GET /v1/openapi.json` serves the committed file.
import * as z from 'zod';
import { type CollectionName, collectionNames, ID_PATTERN, recordSchemas, tombstoneRecord } from './collections.ts';
import { MAX_BODY_BYTES, MAX_RECORD_BYTES, MAX_RECORDS_PER_REQUEST } from './limits.ts';
import { listQuery, pushRequest, statusQuery, syncNowRequest, verifyRequest } from './requests.ts';
import {
  errorResponse,
  healthResponse,
  issue,
  listResponse,
  pushResponse,
  pushResult,
  recordResponse,
  statusResponse,
  syncNowResponse,
  verifyPart,
  verifyResponse,
} from './responses.ts';

type JsonSchema = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'delete';

/** The records a push may carry, per collection: live records and tombstones, as validated one by one. */
const pushedChanges = z
  .strictObject(
    Object.fromEntries(
      collectionNames.map((c) => [c, z.array(z.union([recordSchemas[c].live, recordSchemas[c].tombstone])).optional()]),
    ) as Record<string, z.ZodType>,
  )
  .meta({
    description: `Pending changes by collection. At most ${MAX_RECORDS_PER_REQUEST} records in all, each at most ${MAX_RECORD_BYTES} bytes serialized; ids unique within a collection. One invalid record does not block the others.`,
  });

/** Named schemas: requests described as a client sends them (defaults optional), responses as the server sends them. */
const requestSchemas = {
  PushRequest: pushRequest.extend({ changes: pushedChanges.optional() }),
  SyncNowRequest: syncNowRequest.extend({ changes: pushedChanges.optional() }),
  VerifyRequest: verifyRequest,
  ...perCollectionSchemas((c) => ({
    [`Pushed${pascal(c)}`]: recordSchemas[c].pushable,
    [`Pushed${pascal(c)}Tombstone`]: recordSchemas[c].tombstone,
    [`${pascal(c)}Body`]: recordSchemas[c].webBody,
  })),
};
const responseSchemas = {
  PushResponse: pushResponse,
  SyncNowResponse: syncNowResponse,
  StatusResponse: statusResponse,
  VerifyResponse: verifyResponse,
  VerifyPart: verifyPart,
  RecordResponse: recordResponse,
  ListResponse: listResponse,
  HealthResponse: healthResponse,
  ErrorResponse: errorResponse,
  PushResult: pushResult,
  Issue: issue,
  Tombstone: tombstoneRecord,
  ...perCollectionSchemas((c) => ({ [pascal(c)]: recordSchemas[c].returned })),
};

type Operation = {
  method: Method;
  path: string;
  summary: string;
  description: string;
  authenticated: boolean;
  query?: z.ZodObject;
  pathParams?: ('collection' | 'id')[];
  body?: keyof typeof requestSchemas | 'WebBody';
  /** Status → named schema (or null for an empty body). */
  responses: Record<number, string | null>;
};

const authErrors = [400, 401, 500, 503];
const bodyErrors = [413, 415];

export const operations: Operation[] = [
  {
    method: 'post',
    path: '/v1/sync/push',
    summary: 'Login push',
    description:
      "The device's pending changes go up; nothing comes down. Each record is reconciled on the server (latest `updatedAt` wins, skew-corrected by `clientTime`) and reported with one status, in request order.",
    authenticated: true,
    body: 'PushRequest',
    responses: { 200: 'PushResponse', ...errors([...authErrors, ...bodyErrors]) },
  },
  {
    method: 'post',
    path: '/v1/sync/now',
    summary: 'Sync Now',
    description:
      'Pushes pending changes (as login push), then pulls every change after `cursor`, a page at a time. `cursor: null` starts a full snapshot of live records. Call again with the returned cursor while `hasMore` is true.',
    authenticated: true,
    body: 'SyncNowRequest',
    responses: { 200: 'SyncNowResponse', ...errors([...authErrors, ...bodyErrors]) },
  },
  {
    method: 'get',
    path: '/v1/sync/status',
    summary: 'Account sync status',
    description:
      "When the account last synced, and, with `deviceId`, this device's last sync and push and, per collection, how many records other writers changed since its last completed Sync Now.",
    authenticated: true,
    query: statusQuery,
    responses: { 200: 'StatusResponse', ...errors(authErrors) },
  },
  {
    method: 'post',
    path: '/v1/sync/verify',
    summary: 'Verify',
    description:
      'Count and digest of one collection\'s live records with `from` ≤ id < `to` (null: unbounded; ids compare as bytes), split into at most `parts` consecutive sub-ranges of nearly equal count whose bounds are real ids, so a device can prove it holds what the backend holds and narrow down where it does not. A digest is, over the records of a part, the first 8 bytes of SHA-256 over UTF-8 `id + "\\n" + updatedAt` (decimal) read as an unsigned 64-bit big-endian integer, summed modulo 2^64, as 16 lowercase hex digits (`0000000000000000` for none). A page does bounded work: while `cursor` is not null, send the same request with it; the parts of all pages together cover the range. Writes nothing.',
    authenticated: true,
    body: 'VerifyRequest',
    responses: { 200: 'VerifyResponse', ...errors([...authErrors, ...bodyErrors]) },
  },
  {
    method: 'get',
    path: '/v1/records/{collection}',
    summary: 'List live records (Main App)',
    description:
      'Live records of one collection in id order, a page at a time; `from` (inclusive) and `to` (exclusive) bound the ids. `cursor` continues a listing: send it with the same `from` and `to` (a cursor of another collection or range is `BAD_CURSOR`).',
    authenticated: true,
    pathParams: ['collection'],
    query: listQuery,
    responses: { 200: 'ListResponse', ...errors(authErrors) },
  },
  {
    method: 'put',
    path: '/v1/records/{collection}/{id}',
    summary: 'Create or replace a record (Main App)',
    description:
      "The body is the collection's fields (`id`, if present, must match the path; `updatedAt` and `deleted` are ignored). Stamped with the server clock, past any version the backend holds: a web write always wins, except over a tombstone (410).",
    authenticated: true,
    pathParams: ['collection', 'id'],
    body: 'WebBody',
    responses: { 200: 'RecordResponse', 201: 'RecordResponse', ...errors([...authErrors, 410, ...bodyErrors]) },
  },
  {
    method: 'get',
    path: '/v1/records/{collection}/{id}',
    summary: 'Read a record (Main App)',
    description: 'A live record; 410 with the tombstone as `record` if it was deleted.',
    authenticated: true,
    pathParams: ['collection', 'id'],
    responses: { 200: 'RecordResponse', ...errors([...authErrors, 404, 410]) },
  },
  {
    method: 'delete',
    path: '/v1/records/{collection}/{id}',
    summary: 'Delete a record (Main App)',
    description:
      'Tombstones the record; every device deletes it at its next Sync Now, edited or not. Deleting twice is still 204; a record that never existed is 404.',
    authenticated: true,
    pathParams: ['collection', 'id'],
    responses: { 204: null, ...errors([...authErrors, 404]) },
  },
  {
    method: 'get',
    path: '/v1/health',
    summary: 'Health check',
    description: 'Is the API up. No token, no database.',
    authenticated: false,
    responses: { 200: 'HealthResponse' },
  },
  {
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    description: 'The OpenAPI 3.1 description of the API. No token.',
    authenticated: false,
    responses: { 200: null },
  },
];

export function buildOpenApiDocument(): JsonSchema {
  const components = {
    ...namedSchemas(requestSchemas, 'input'),
    ...namedSchemas(responseSchemas, 'output'),
    WebBody: { oneOf: collectionNames.map((c) => ref(`${pascal(c)}Body`)) },
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: operationId(op),
      summary: op.summary,
      description: op.description,
      ...(op.authenticated ? {} : { security: [] }),
      ...(parameters(op).length > 0 ? { parameters: parameters(op) } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } }
        : {}),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([status, schema]) => [status, response(Number(status), schema, op)]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mobile Sales Sync',
      version: '1.0.0',
      description:
        'The sync API of the Mobile Sales App (login push, Sync Now, the Account sync page, verify) and the Main App (web) records API. docs/protocol.md explains the semantics.',
    },
    servers: [{ url: 'http://localhost:3000', description: 'npm start' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An ID token with `sub` (the user) and `custom:accountId` (the account). In AWS, a Cognito user pool (or the configured OIDC issuer); locally, HS256 tokens from `npm run token`.',
        },
      },
      schemas: components,
    },
  };
}

function perCollectionSchemas(
  of: (collection: CollectionName) => Record<string, z.ZodType>,
): Record<string, z.ZodType> {
  return Object.assign({}, ...collectionNames.map(of));
}

function namedSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: generated } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(generated).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [id, schema]),
  );
}

function parameters(op: Operation): JsonSchema[] {
  const path = (op.pathParams ?? []).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema:
      name === 'collection'
        ? { type: 'string', enum: collectionNames }
        : { type: 'string', pattern: ID_PATTERN.source },
  }));
  const query = Object.entries(op.query?.shape ?? {}).map(([name, field]) => {
    const { $schema: _schema, ...schema } = z.toJSONSchema(field as z.ZodType, { io: 'input' });
    return { name, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema };
  });
  return [...path, ...query];
}

function response(status: number, schema: string | null, op: Operation): JsonSchema {
  const description = status < 300 ? 'OK' : (errorDescriptions[status] ?? 'Error');
  if (op.path === '/v1/openapi.json') return { description, content: { 'application/json': { schema: {} } } };
  if (schema === null) return { description };
  return {
    description,
    ...(status === 503 ? { headers: { 'Retry-After': { schema: { type: 'integer' } } } } : {}),
    content: { 'application/json': { schema: ref(schema) } },
  };
}

const errorDescriptions: Record<number, string> = {
  400: 'BAD_REQUEST (not JSON, wrong envelope, unknown collection, duplicate id), VALIDATION_FAILED (web body) or BAD_CURSOR',
  401: 'UNAUTHORIZED: missing, malformed, wrongly signed or expired token',
  404: 'NOT_FOUND',
  410: 'GONE: the record is a tombstone (carried as `record`)',
  413: `PAYLOAD_TOO_LARGE: body over ${MAX_BODY_BYTES} bytes or over ${MAX_RECORDS_PER_REQUEST} records`,
  415: 'UNSUPPORTED_MEDIA_TYPE: the body is not application/json',
  500: 'INTERNAL: logged with a request id; nothing leaked',
  503: 'SERVICE_UNAVAILABLE: DynamoDB throttled past retries; safe to retry after Retry-After',
};

function errors(statuses: number[]): Record<number, string> {
  return Object.fromEntries(statuses.map((s) => [s, 'ErrorResponse']));
}

function ref(id: string): JsonSchema {
  return { $ref: `#/components/schemas/${id}` };
}

function pascal(name: string): string {
  const singular = name.endsWith('s') ? name.slice(0, -1) : name;
  return singular[0]!.toUpperCase() + singular.slice(1);
}

function operationId(op: Operation): string {
  const words = op.path
    .replace(/^\/v1\//, '')
    .replace(/\{(\w+)\}/g, 'by-$1')
    .split(/[/.-]/)
    .filter(Boolean);
  return op.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
