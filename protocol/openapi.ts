// The OpenAPI 3.1 document of the API, generated from the route table
// (routes.ts) and the zod schemas the handlers validate requests with and
// type their responses by. It says exactly what the server accepts and
// answers, so a team can generate a client from it: every status with its
// body (API Gateway's own `{message}` bodies too), the response headers, the
// request's Content-Encoding, one web body per collection (the records
// routes are written out per collection), and the members the server
// accepts and ignores. What JSON Schema cannot say — duplicate ids, the
// record and request limits, a push's per-record `invalid`, the body id
// equal to the path's, well-formed Unicode — the descriptions say.
// `npm run openapi` writes it to docs/openapi.json; a test fails when the
// committed file differs, and `GET /v1/openapi.json` serves the committed file.
import * as z from 'zod';
import { collections } from './collections.ts';
import { ID_PATTERN } from './fields.ts';
import { COMPRESS_ABOVE_BYTES, MAX_BODY_BYTES, MAX_RECORD_BYTES, MAX_RECORDS_PER_REQUEST } from './limits.ts';
import { type CollectionName, collectionNames, recordSchemas, tombstoneRecord } from './records.ts';
import { pushRequest, syncNowRequest, verifyRequest } from './requests.ts';
import {
  errorResponse,
  gatewayError,
  healthResponse,
  issue,
  listResponseOf,
  pushResponse,
  pushResult,
  recordResponseOf,
  statusResponse,
  syncNowResponse,
  verifyPart,
  verifyResponse,
} from './responses.ts';
import { type ApiRoute, apiRoutes, type RouteName, routeNames } from './routes.ts';

type JsonSchema = Record<string, unknown>;

const name = (c: CollectionName) => pascal(collections[c].singular);
const plural = (c: CollectionName) => pascal(c);

/** A pushed record of each collection, as a device sends it: live, or a tombstone. */
const pushedRecord = (c: CollectionName) =>
  z.union([recordSchemas[c].pushable, recordSchemas[c].tombstone]).meta({
    description: `A ${collections[c].singular} as a device pushes it: live (its \`updatedBy\`, if sent back as received, is ignored) or a tombstone. \`base\` (protocol v1.3) is the backend \`updatedAt\` of the version the device edited. A record that does not fit (or holds text that is not well-formed Unicode) is reported \`invalid\` in the results; it does not fail the request.`,
  });

/** The records a push may carry, per collection. */
const pushedChanges = z
  .strictObject(
    Object.fromEntries(collectionNames.map((c) => [c, z.array(pushedRecord(c)).optional()])) as Record<
      string,
      z.ZodType
    >,
  )
  .meta({
    description: `Pending changes by collection. At most ${MAX_RECORDS_PER_REQUEST} records in all (over: 413), each at most ${MAX_RECORD_BYTES} bytes serialized; ids unique within a collection (a duplicate: 400). One invalid record does not block the others.`,
  });

/** Named request schemas: as a client sends them (defaults optional). */
const requestSchemas = {
  PushRequest: pushRequest.extend({ changes: pushedChanges.optional() }),
  SyncNowRequest: syncNowRequest.extend({ changes: pushedChanges.optional() }),
  VerifyRequest: verifyRequest,
  ...perCollection((c) => ({
    [`Pushed${name(c)}`]: recordSchemas[c].pushable,
    [`Pushed${name(c)}Tombstone`]: recordSchemas[c].tombstone,
    [`${name(c)}Body`]: recordSchemas[c].webBodyAsSent.meta({
      description: `A ${collections[c].singular}'s fields. An \`id\` must equal the path's (else 400 VALIDATION_FAILED); \`updatedAt\`, \`deleted\` and \`updatedBy\` are accepted and ignored (the server stamps the version), so a fetched record can be sent back as is. Text must be well-formed Unicode; at most ${MAX_RECORD_BYTES} bytes serialized.`,
    }),
  })),
};

/** Named response schemas: as the server sends them. Records are open to members a newer server adds. */
const responseSchemas = {
  PushResponse: pushResponse,
  SyncNowResponse: syncNowResponse,
  StatusResponse: statusResponse,
  VerifyResponse: verifyResponse,
  VerifyPart: verifyPart,
  HealthResponse: healthResponse,
  ErrorResponse: errorResponse,
  GatewayError: gatewayError,
  PushResult: pushResult,
  Issue: issue,
  Tombstone: tombstoneRecord,
  ...perCollection((c) => ({
    [name(c)]: recordSchemas[c].returned,
    [`${name(c)}Response`]: recordResponseOf(c),
    [`${plural(c)}Page`]: listResponseOf(c),
  })),
};

/** Statuses answered by a shared response (components.responses). */
const sharedResponses: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  410: 'Gone',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** What API Gateway itself may answer on any route, besides the function's own answers. */
const gatewayStatuses = [429, 500, 502, 503, 504];

type Operation = ApiRoute & { name: RouteName; collection?: CollectionName };

/** The operations: each route, and the records routes once per collection. */
export const operations: Operation[] = routeNames.flatMap((route): Operation[] => {
  const spec: ApiRoute = apiRoutes[route];
  if (!spec.path.includes('{collection}')) return [{ name: route, ...spec }];
  return collectionNames.map((collection) => ({
    name: route,
    ...spec,
    collection,
    path: spec.path.replace('{collection}', collection),
    pathParams: (spec.pathParams ?? []).filter((p) => p !== 'collection'),
  }));
});

export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    paths[op.path]![op.method.toLowerCase()] = operation(op);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mobile Sales Sync',
      version: '1.3.0',
      summary: 'Offline-first sync for the Mobile Sales App, and the Main App (web) records API.',
      description: [
        'The sync API of the Mobile Sales App (login push, Sync Now, the Account sync page, verify) and the Main App (web) records API; docs/protocol.md explains the semantics, and docs/conformance/ holds test vectors for a client on any platform.',
        `Every response over ${COMPRESS_ABOVE_BYTES} bytes may come gzip or br (\`Content-Encoding\`) when the request's \`Accept-Encoding\` offers it; request bodies may be sent gzip (limits apply to the inflated body). A path the API does not know answers the shared \`NotFound\` response, a known path asked with another method \`MethodNotAllowed\` (405, with \`Allow\`), both before the token is checked.`,
        'In AWS, API Gateway answers some requests itself, with `{"message": ...}` and no `Retry-After`: 401 (a bad token), 429 (its throttling), 500, 502, 503 and 504 (an integration failure). Treat 401 as auth and the others as retry-later, whichever shape they come in. A 5xx may have written part of a push: sending it again reports those records `unchanged`.',
      ].join('\n\n'),
      license: { name: 'UNLICENSED (proprietary; see the repository)' },
    },
    servers: [{ url: 'http://localhost:3000', description: 'npm start' }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'Mobile sync', description: 'What a device calls: login push, Sync Now, the Account sync page, verify.' },
      { name: 'Main App records', description: 'What the Main App (web) calls: create, replace, read, list, delete.' },
      { name: 'Service', description: 'No token: is the API up, and this document.' },
    ],
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
      headers: {
        Vary: {
          description: `\`Accept-Encoding\`, on a response whose body is over ${COMPRESS_ABOVE_BYTES} bytes.`,
          schema: { type: 'string' },
        },
        ContentEncoding: {
          description: 'The body is compressed (when the request offered it and it pays).',
          schema: { type: 'string', enum: ['gzip', 'br'] },
        },
        RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } },
        Allow: { description: 'The methods the path takes.', schema: { type: 'string' } },
      },
      parameters: {
        ContentEncoding: {
          name: 'Content-Encoding',
          in: 'header',
          required: false,
          description: `The body's encoding: gzip, or none. Any other is 415; a body that inflates past ${MAX_BODY_BYTES} bytes is 413; a body that is not valid gzip is 400.`,
          schema: { type: 'string', enum: ['gzip', 'identity'] },
        },
      },
      responses: {
        BadRequest: errorResponseSpec(
          'BAD_REQUEST (not JSON, wrong envelope, unknown collection, duplicate id), VALIDATION_FAILED (web body) or BAD_CURSOR. A records path naming a collection the API does not have (`/v1/records/widgets`) is BAD_REQUEST too, on any method.',
        ),
        Unauthorized: errorResponseSpec(
          'UNAUTHORIZED: a missing, malformed, wrongly signed or expired token. In AWS, API Gateway answers it: `{"message": "Unauthorized"}`.',
          { gateway: true },
        ),
        NotFound: errorResponseSpec('NOT_FOUND: no such route, or no such record.'),
        MethodNotAllowed: errorResponseSpec('METHOD_NOT_ALLOWED: the path takes other methods, listed in `Allow`.', {
          headers: { Allow: { $ref: '#/components/headers/Allow', required: true } },
        }),
        Gone: errorResponseSpec('GONE: the record is a tombstone, carried as `record`.'),
        PayloadTooLarge: errorResponseSpec(
          `PAYLOAD_TOO_LARGE: a body over ${MAX_BODY_BYTES} bytes (inflated), over ${MAX_RECORDS_PER_REQUEST} records, or more than the platform hands a function (6 MB of event, the body escaped in it; on any route).`,
        ),
        UnsupportedMediaType: errorResponseSpec(
          'UNSUPPORTED_MEDIA_TYPE: the body is not `application/json`, or its `Content-Encoding` is neither gzip nor identity.',
        ),
        TooManyRequests: gatewayResponseSpec('API Gateway throttled the request; retry later.'),
        InternalError: errorResponseSpec(
          'INTERNAL: a defect, logged with the request id; nothing leaked. (API Gateway may answer a failed invocation itself.)',
          { gateway: true },
        ),
        BadGateway: gatewayResponseSpec('API Gateway could not use the function’s answer; retry later.'),
        ServiceUnavailable: errorResponseSpec(
          'SERVICE_UNAVAILABLE: DynamoDB was busy past what the request’s time allowed, or the request ran out of time; safe to retry after `Retry-After` (always sent by the service; API Gateway’s own 503 has none).',
          { gateway: true, headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } },
        ),
        GatewayTimeout: gatewayResponseSpec('API Gateway timed out waiting for the function; retry later.'),
      },
      schemas: {
        ...namedSchemas(requestSchemas, 'input'),
        ...namedSchemas(responseSchemas, 'output'),
      },
    },
  };
}

function operation(op: Operation): JsonSchema {
  const statuses = new Set([
    ...Object.keys(op.responses).map(Number),
    413,
    ...(op.authenticated ? [401] : []),
    ...gatewayStatuses,
  ]);
  const parameters = parametersOf(op);
  return {
    operationId: operationId(op),
    tags: [op.collection ? 'Main App records' : op.authenticated ? 'Mobile sync' : 'Service'],
    summary: op.collection ? `${op.summary}: ${op.collection}` : op.summary,
    description: op.description,
    ...(op.authenticated ? {} : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body ? { requestBody: requestBody(op) } : {}),
    responses: {
      ...Object.fromEntries([...statuses].sort().map((status) => [status, responseFor(status, op)])),
      default: {
        description: 'Any other failure: the error envelope, or API Gateway’s `{"message"}`.',
        content: json({ oneOf: [ref('ErrorResponse'), ref('GatewayError')] }),
      },
    },
  };
}

function requestBody(op: Operation): JsonSchema {
  const schema = op.body === 'WebBody' && op.collection ? `${name(op.collection)}Body` : op.body!;
  const example = requestExamples[schema];
  return {
    required: true,
    content: { 'application/json': { schema: ref(schema), ...(example ? { example } : {}) } },
  };
}

function responseFor(status: number, op: Operation): JsonSchema {
  const declared = (op.responses as Record<number, string | null | undefined>)[status];
  if (declared === undefined || declared === 'ErrorResponse') {
    const shared = sharedResponses[status];
    if (shared === undefined) throw new Error(`no shared response for ${status}`);
    return { $ref: `#/components/responses/${shared}` };
  }
  const headers = {
    Vary: { $ref: '#/components/headers/Vary' },
    'Content-Encoding': { $ref: '#/components/headers/ContentEncoding' },
  };
  if (op.name === 'OpenApi') return { description: 'This document.', headers, content: json({ type: 'object' }) };
  if (declared === null) return { description: 'No content.' };
  const schema =
    op.collection && declared === 'RecordResponse'
      ? `${name(op.collection)}Response`
      : op.collection && declared === 'ListResponse'
        ? `${plural(op.collection)}Page`
        : declared;
  return { description: status === 201 ? 'Created.' : 'OK.', headers, content: json(ref(schema)) };
}

function errorResponseSpec(
  description: string,
  { gateway = false, headers = {} }: { gateway?: boolean; headers?: Record<string, JsonSchema> } = {},
): JsonSchema {
  return {
    description,
    headers: {
      Vary: { $ref: '#/components/headers/Vary' },
      'Content-Encoding': { $ref: '#/components/headers/ContentEncoding' },
      ...headers,
    },
    content: json(gateway ? { oneOf: [ref('ErrorResponse'), ref('GatewayError')] } : ref('ErrorResponse')),
  };
}

function gatewayResponseSpec(description: string): JsonSchema {
  return {
    description: `${description} Sent by API Gateway in AWS, never by the service.`,
    content: json(ref('GatewayError')),
  };
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });

function parametersOf(op: Operation): JsonSchema[] {
  const path = (op.pathParams ?? []).map((param) => ({
    name: param,
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: ID_PATTERN.source },
  }));
  const query = Object.entries(op.query?.shape ?? {}).map(([param, field]) => {
    const { $schema: _schema, ...schema } = z.toJSONSchema(field as z.ZodType, { io: 'input' });
    return { name: param, in: 'query', required: !(field as z.ZodType).safeParse(undefined).success, schema };
  });
  const encoding = op.body ? [{ $ref: '#/components/parameters/ContentEncoding' }] : [];
  return [...path, ...query, ...encoding];
}

function perCollection(of: (collection: CollectionName) => Record<string, z.ZodType>): Record<string, z.ZodType> {
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

function ref(id: string): JsonSchema {
  return { $ref: `#/components/schemas/${id}` };
}

function pascal(word: string): string {
  return word[0]!.toUpperCase() + word.slice(1);
}

/** syncPush, syncNow, …; the records routes per collection: listProducts, putProduct, getProduct, deleteProduct. */
function operationId(op: Operation): string {
  if (op.collection === undefined) return op.name[0]!.toLowerCase() + op.name.slice(1);
  const verb = op.name.replace(/^Records/, '').toLowerCase();
  return verb === 'list' ? `list${plural(op.collection)}` : `${verb}${name(op.collection)}`;
}

const T = 1_764_000_000_000;
const requestExamples: Record<string, unknown> = {
  PushRequest: {
    deviceId: 'ipad-7',
    clientTime: T,
    changes: {
      products: [
        {
          id: 'p-100',
          updatedAt: T - 60_000,
          base: T - 3_600_000,
          name: 'Espresso machine',
          sku: 'EM-1',
          priceCents: 45_000,
          currency: 'EUR',
        },
      ],
      customers: [{ id: 'c-lead-9', updatedAt: T - 30_000, base: null, name: 'Met at the show' }],
      orders: [{ id: 'o-9', updatedAt: T - 20_000, deleted: true }],
    },
  },
  SyncNowRequest: { deviceId: 'ipad-7', clientTime: T, cursor: null, limit: 500 },
  VerifyRequest: {
    deviceId: 'ipad-7',
    collection: 'products',
    from: null,
    to: null,
    parts: 16,
    digest: 'v2',
    cursor: null,
  },
  ProductBody: { name: 'Espresso machine', sku: 'EM-1', priceCents: 49_900, currency: 'EUR' },
};
