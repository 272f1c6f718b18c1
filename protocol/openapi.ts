// The OpenAPI 3.1 document of the API, generated from the zod schemas the
// handlers validate requests with and type their responses by
// (protocol/responses.ts). `npm run openapi` writes it to docs/openapi.json;
// a test fails when the committed file differs from what this produces, and
// `GET /v1/openapi.json` serves the committed file.
import * as z from 'zod';
import { ID_PATTERN } from './fields.ts';
import { MAX_BODY_BYTES, MAX_RECORD_BYTES, MAX_RECORDS_PER_REQUEST } from './limits.ts';
import { type CollectionName, collectionNames, recordSchemas, tombstoneRecord } from './records.ts';
import { pushRequest, syncNowRequest, verifyRequest } from './requests.ts';
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
import { type ApiRoute, apiRoutes, type RouteName, routeNames } from './routes.ts';

type JsonSchema = Record<string, unknown>;

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

type Operation = ApiRoute & { name: RouteName };

/** The routes, as the document describes them. */
export const operations: Operation[] = routeNames.map((name) => ({ name, ...apiRoutes[name] }));

export function buildOpenApiDocument(): JsonSchema {
  const components = {
    ...namedSchemas(requestSchemas, 'input'),
    ...namedSchemas(responseSchemas, 'output'),
    WebBody: { oneOf: collectionNames.map((c) => ref(`${pascal(c)}Body`)) },
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    paths[op.path]![op.method.toLowerCase()] = {
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
  return op.method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}
