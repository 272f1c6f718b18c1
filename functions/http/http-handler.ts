// The middy stack every route shares, in the protocol's order of checks
// (docs/protocol.md, "Errors and limits"): route (API Gateway / the local
// router) → token → content type → size → JSON. Dependencies are set up
// before any of it, so a function that cannot start answers 500 before it
// reads a byte of the request. The error envelope is registered before
// everything but the metrics flush, so its onError sees every failure and
// its count is flushed too. Each request's use case gets its context here
// (service/context.ts): the container's services, the caller from the token,
// a page budget for the response as it will be encoded, and its deadline.

import { setMaxListeners } from 'node:events';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj, type Request } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ID_PATTERN } from '../../protocol/fields.ts';
import { MAX_BODY_BYTES } from '../../protocol/limits.ts';
import { DomainError } from '../core/errors.ts';
import type { Caller, Deadline, ServiceContext, Services, ServicesSource } from '../service/context.ts';
import { DynamoUnavailable } from '../store/client.ts';
import { chooseEncoding, compressResponse, type ResponseEncoding, requestBody } from './compression.ts';
import { errorBody, statusOf } from './errors.ts';
import { logger, metrics, SYNC_METRICS, tracer } from './observability.ts';
import { LAMBDA_PAYLOAD_BYTES, pageBudget, wireCost } from './page-budget.ts';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;
/** What a route receives: the event, the checked body, and its use case's context. */
export type ApiRequest = {
  event: ApiEvent;
  /** The parsed JSON body (undefined for routes without one). */
  body: unknown;
  context: ServiceContext;
};

export type ApiResponse = { statusCode: number; body?: unknown; headers?: Record<string, string> };

/** `metrics`: the route emits business metrics (flushed after each request, with a cold-start metric). */
export type RouteOptions = { authenticated?: boolean; jsonBody?: boolean; metrics?: boolean };

type ApiContext = Context & { caller?: Caller; jsonBody?: unknown; services?: Services };

export function httpHandler(
  getServices: ServicesSource,
  options: RouteOptions,
  route: (request: ApiRequest) => Promise<ApiResponse>,
) {
  const { authenticated = true, jsonBody = false, metrics: emitsMetrics = false } = options;
  const stack = middy<ApiEvent, ApiResult, Error, ApiContext>(outOfTime);
  // Metrics flush outermost, so they include what the error envelope counts.
  if (emitsMetrics) stack.use(logMetrics(metrics, { captureColdStartMetric: true }));
  stack
    .use(errorEnvelope(emitsMetrics))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use({
      before: async (request) => {
        request.context.services = await getServices();
      },
    });
  if (authenticated) stack.use(authenticate());
  if (jsonBody) stack.use(parseJsonBody());
  return stack.handler(async (event, context, { signal }) => {
    const { services, caller } = context;
    if (services === undefined) throw new Error('services were not set up');
    const encoding = encodingFor(event);
    const deadline = deadlineOf(context, signal);
    const response = await route({
      event,
      body: context.jsonBody,
      context: {
        ...services,
        ...services.withDeadline(deadline),
        caller: caller ?? { accountId: '', userId: '' },
        receivedAt: receivedAt(event, services),
        pageBudget: ({ values = [], bytes = 0 } = {}) =>
          pageBudget(
            encoding,
            values.reduce<number>((n, value) => n + wireCost(value), bytes),
          ),
        deadline,
      },
    });
    return fitted(compressResponse(json(response.statusCode, response.body, response.headers), encoding));
  });
}

/** A route that needs no identity, body or database (health, the OpenAPI document). */
export function plainHandler(response: (event: ApiEvent) => ApiResponse) {
  return middy<ApiEvent, ApiResult, Error, ApiContext>(outOfTime)
    .use(errorEnvelope())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const { statusCode, body, headers } = response(event);
      return fitted(compressResponse(json(statusCode, body, headers), encodingFor(event)));
    });
}

export function json(statusCode: number, body?: unknown, headers: Record<string, string> = {}): ApiResult {
  if (body === undefined) return { statusCode, headers };
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * The result as it will be sent, if it fits a Lambda payload. Pages are
 * budgeted to fit (page-budget.ts); this is the last line of defence,
 * never the plan.
 */
function fitted(result: ApiResult): ApiResult {
  const size = Buffer.byteLength(JSON.stringify(result));
  if (size > LAMBDA_PAYLOAD_BYTES) throw new Error(`response of ${size} bytes would not fit a Lambda payload`);
  return result;
}

/**
 * The gateway's receive time (`requestContext.timeEpoch`), so the skew
 * correction does not count a cold start as network delay; the server clock
 * when the event does not carry it.
 */
function receivedAt(event: ApiEvent, services: Services): number {
  const epoch = event.requestContext?.timeEpoch;
  return typeof epoch === 'number' && Number.isFinite(epoch) ? Math.min(epoch, services.now()) : services.now();
}

/**
 * Time a response still needs once the work stops: serializing and
 * compressing a page of up to 12 MB of JSON (~0.3 s at br 5 on a third of a
 * vCPU), the error path, the metrics flush.
 */
export const RESPONSE_HEADROOM_MS = 1000;

/** DynamoDB calls one request may have in flight at once, with room to spare (service/push.ts writes 32). */
const MAX_CALLS_IN_FLIGHT = 256;

/**
 * The backstop: should a handler still run this close to the function's
 * timeout, middy stops waiting for it and answers 503 (its own default
 * throws a TimeoutError, which became a 500).
 */
const outOfTime = {
  timeoutEarlyInMillis: RESPONSE_HEADROOM_MS / 2,
  timeoutEarlyResponse: () => {
    throw new DomainError('SERVICE_UNAVAILABLE', 'the request ran out of time; retry after the given delay', {
      retryAfterSeconds: 1,
    });
  },
};

/**
 * The request's deadline: the function's remaining time less what the
 * response still needs; its signal fires then (or when middy gives up on
 * the handler), aborting any DynamoDB call still in flight.
 */
function deadlineOf(context: Context, handlerSignal: AbortSignal): Deadline {
  const remainingMs = () => context.getRemainingTimeInMillis() - RESPONSE_HEADROOM_MS;
  const signal = AbortSignal.any([handlerSignal, AbortSignal.timeout(Math.max(0, remainingMs()))]);
  // Every DynamoDB call in flight listens to it (a push keeps 32 writes in flight): not a leak, each call
  // removes its listener when it ends, so Node's warning past 10 listeners would only be noise in the logs.
  setMaxListeners(MAX_CALLS_IN_FLIGHT, signal);
  return { remainingMs, signal };
}

/**
 * The account comes only from the token. API Gateway's JWT authorizer (or
 * the local server) has verified the signature; we check the claims are
 * there and usable as keys.
 */
function authenticate(): MiddlewareObj<ApiEvent, ApiResult, Error, ApiContext> {
  return {
    before: (request) => {
      const claims = request.event.requestContext.authorizer?.jwt?.claims ?? {};
      const accountId = claims['custom:accountId'];
      const userId = claims.sub;
      if (typeof accountId !== 'string' || !ID_PATTERN.test(accountId) || typeof userId !== 'string' || userId === '') {
        throw new DomainError('UNAUTHORIZED', 'a valid bearer token with custom:accountId and sub is required');
      }
      request.context.caller = { accountId, userId };
    },
  };
}

function parseJsonBody(): MiddlewareObj<ApiEvent, ApiResult, Error, ApiContext> {
  return {
    before: (request) => {
      const { event } = request;
      const contentType = event.headers?.['content-type'];
      const hasBody = event.body !== undefined && event.body !== '';
      if (hasBody && !isJsonMediaType(contentType)) {
        throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
      }
      const sent =
        event.body === undefined
          ? Buffer.alloc(0)
          : event.isBase64Encoded
            ? Buffer.from(event.body, 'base64')
            : Buffer.from(event.body);
      // A gzip body is inflated here, with the body limit as a hard stop (compression.ts).
      const raw = requestBody(sent, event.headers?.['content-encoding']);
      if (raw.length > MAX_BODY_BYTES) {
        throw new DomainError('PAYLOAD_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`);
      }
      try {
        request.context.jsonBody = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new DomainError('BAD_REQUEST', 'the body is not valid JSON');
      }
    },
  };
}

function encodingFor(event: ApiEvent): ResponseEncoding | null {
  return chooseEncoding(event.headers?.['accept-encoding']);
}

function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** Typed errors become the error envelope; on sync routes each one is also counted. */
function errorEnvelope(countsMetrics = false): MiddlewareObj<ApiEvent, ApiResult, Error, ApiContext> {
  return {
    onError: (request) => {
      respondToError(request);
      if (countsMetrics) {
        const failed = (request.response?.statusCode ?? 500) >= 500;
        metrics.addMetric(failed ? SYNC_METRICS.failed : SYNC_METRICS.rejected, MetricUnit.Count, 1);
      }
    },
  };
}

/** The response for an error: domain errors by the one table, throttling as 503, anything else a logged, generic 500. */
function respondToError(request: Request<ApiEvent, ApiResult, Error, ApiContext>): void {
  respondToErrorPlain(request);
  if (request.response) request.response = compressResponse(request.response, encodingFor(request.event));
}

function respondToErrorPlain(request: Request<ApiEvent, ApiResult, Error, ApiContext>): void {
  const error = request.error;
  if (error instanceof DomainError) {
    const { issues, record, retryAfterSeconds } = error.details;
    request.response = json(
      statusOf[error.code],
      errorBody(error.code, error.message, issues, record ? { record } : undefined),
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
    );
    return;
  }
  const requestId = request.context.awsRequestId;
  if (error instanceof DynamoUnavailable) {
    logger.warn("DynamoDB unavailable within the request's time", { requestId, reason: error.reason });
    request.response = json(503, errorBody('SERVICE_UNAVAILABLE', 'the service is busy; retry after the given delay'), {
      'Retry-After': '1',
    });
    return;
  }
  logger.error('unhandled error', { requestId, error: error ?? undefined });
  request.response = json(500, errorBody('INTERNAL', `internal error (request id ${requestId})`));
}
