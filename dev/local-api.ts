// The local stand-in for API Gateway and Lambda: routes a request to the same
// handler code that runs in Lambda, after doing what API Gateway's JWT
// authorizer does (here: HS256 tokens signed with LOCAL_JWT_SECRET, with an
// expiry), and hands the handler the same HTTP API payload v2 event. It
// enforces what AWS enforces, so any test over HTTP catches a breach:
//   - a body over API Gateway's 10 MB, or an event over Lambda's 6 MB (the
//     body escaped inside it), is 413 before the handler runs;
//   - a result over Lambda's 6 MB is a 502, with a loud log line;
//   - a handler past the function's timeout is stopped (its DynamoDB calls
//     fail from then on) and answered as API Gateway answers a failed
//     invocation, 500 {"message":"Internal Server Error"}.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errors as joseErrors, jwtVerify } from 'jose';
import { errorBody } from '../functions/http/errors.ts';
import { type ApiEvent, type ApiResult, json } from '../functions/http/http-handler.ts';
import { LAMBDA_PAYLOAD_BYTES } from '../functions/http/page-budget.ts';
import { notFound } from '../functions/not-found.ts';
import { FUNCTION_TIMEOUT_SECONDS, type Route, routes } from '../functions/routes.ts';
import type { Services } from '../functions/service/context.ts';
import { CORS_EXPOSED_HEADERS, CORS_REQUEST_HEADERS } from '../protocol/limits.ts';
import { type Handler, handlerFactories } from './handlers.ts';
import { apiGatewayEvent, lambdaContext } from './lambda-event.ts';

export const DEFAULT_JWT_SECRET = 'local-dev-secret';
/** API Gateway HTTP APIs accept bodies up to 10 MB. */
export const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;

/** The request a handler is serving, so its DynamoDB client can stop once the invocation timed out. */
export const invocationScope = new AsyncLocalStorage<{ signal: AbortSignal }>();

/** A route served next to the API's own (the benchmark's baseline). */
export type ExtraRoute = Pick<Route, 'method' | 'path' | 'authenticated'> & { name: string; handler: Handler };

export type LocalApi = { url: string; port: number; server: Server; close: () => Promise<void> };

export type LocalApiOptions = {
  services: () => Services;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  jwtSecret?: string;
  extraRoutes?: ExtraRoute[];
  /** The Main App's origin, for CORS (as API Gateway's CORS settings do in AWS); unset: no CORS headers. */
  corsOrigin?: string;
  /** The function timeout (default: the deployed one). */
  timeoutMs?: number;
  /** Where loud lines go (a test can capture them). */
  log?: (line: string) => void;
  /** Told of every invocation: what it answered, the proxy result's size as Lambda would count it, how long it took. */
  observe?: (invocation: Invocation) => void;
  /** Told of every answer the API gives (not CORS preflights, not what `beside` serves), as it is sent. */
  onResponse?: (request: { method: string; path: string }, result: ApiResult) => void;
  /** Serves what is not the API (the reference app); answers true when it handled the request. */
  beside?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
};

export type Invocation = { route: string; status: number; resultBytes: number; ms: number };

type CompiledRoute = ExtraRoute & { pattern: RegExp; params: string[] };

const fail = (): ApiResult => ({ statusCode: 500, body: JSON.stringify({ message: 'Internal Server Error' }) });

export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const secret = new TextEncoder().encode(options.jwtSecret ?? DEFAULT_JWT_SECRET);
  const timeoutMs = options.timeoutMs ?? FUNCTION_TIMEOUT_SECONDS * 1000;
  const log = options.log ?? ((line: string) => console.error(line));
  const ours: ExtraRoute[] = routes.map((route) => ({
    ...route,
    handler: handlerFactories[route.name](options.services),
  }));
  const compiled: CompiledRoute[] = [...ours, ...(options.extraRoutes ?? [])].map((route) => {
    const params: string[] = [];
    const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    return { ...route, pattern: new RegExp(`^${source.replaceAll('.', '\\.')}$`), params };
  });

  // Unmatched requests go where API Gateway's $default route sends them.
  const fallback: CompiledRoute = {
    name: 'NotFound',
    method: 'GET',
    path: '$default',
    authenticated: false,
    handler: notFound(),
    pattern: /$^/,
    params: [],
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`local-api: request failed: ${String(error)}`);
      if (!res.headersSent) send(res, json(500, errorBody('INTERNAL', 'internal error')));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.beside && (await options.beside(req, res))) return;
    const arrivedAt = options.services().now();
    if (options.corsOrigin) {
      res.setHeader('access-control-allow-origin', options.corsOrigin);
      res.setHeader('access-control-expose-headers', CORS_EXPOSED_HEADERS.join(', '));
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST, PUT, DELETE',
          'access-control-allow-headers': CORS_REQUEST_HEADERS.join(', '),
          'access-control-max-age': '3600',
        });
        return void res.end();
      }
    }
    // Prefix, don't resolve: a path such as '//' would otherwise be read as a host.
    const target = `http://localhost${req.url ?? '/'}`;
    const url = URL.canParse(target) ? new URL(target) : new URL('http://localhost/');
    const method = req.method ?? 'GET';
    const match = matchRoute(compiled, method, url.pathname);
    const route = match?.route ?? fallback;
    const answer = (result: ApiResult) => {
      options.onResponse?.({ method, path: url.pathname }, result);
      send(res, result);
    };

    let claims: Record<string, string> | undefined;
    if (route.authenticated) {
      claims = await verifyBearer(req.headers.authorization, secret);
      if (claims === undefined) {
        return answer(json(401, errorBody('UNAUTHORIZED', 'a valid bearer token is required')));
      }
    }

    const body = await readBody(req);
    if (body === null) return answer(json(413, errorBody('PAYLOAD_TOO_LARGE', 'the body is too large')));

    const event = toEvent(req, url, route, match?.pathParameters ?? {}, claims, body, arrivedAt);
    const eventBytes = Buffer.byteLength(JSON.stringify(event));
    if (eventBytes > LAMBDA_PAYLOAD_BYTES) {
      return answer(
        json(413, errorBody('PAYLOAD_TOO_LARGE', 'the request is more than the platform can hand to the function')),
      );
    }
    answer(await invoke(route, event));
  }

  /** One invocation, as Lambda runs it: stopped at the timeout, its result held to the payload limit. */
  async function invoke(route: CompiledRoute, event: ApiEvent): Promise<ApiResult> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const context = lambdaContext(`local-${route.name}`, { timeoutMs });
    const run = invocationScope.run({ signal: controller.signal }, () => route.handler(event, context));
    const outcome = await Promise.race([run, timedOut]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') {
      controller.abort();
      run.catch(() => undefined);
      log(`local-api: ${route.name} timed out after ${timeoutMs} ms; stopped it (AWS would answer 500)`);
      return fail();
    }
    const size = Buffer.byteLength(JSON.stringify(outcome));
    options.observe?.({
      route: route.name,
      status: outcome.statusCode ?? 200,
      resultBytes: size,
      ms: performance.now() - started,
    });
    if (size > LAMBDA_PAYLOAD_BYTES) {
      log(
        `local-api: ${route.name} returned a ${size}-byte result, over Lambda's ${LAMBDA_PAYLOAD_BYTES}: AWS answers 502`,
      );
      return { statusCode: 502, body: JSON.stringify({ message: 'Internal Server Error' }) };
    }
    return outcome;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function isDecodable(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

function matchRoute(compiled: CompiledRoute[], method: string, path: string) {
  for (const route of compiled) {
    if (route.method !== method) continue;
    const found = route.pattern.exec(path);
    if (!found) continue;
    const pathParameters: Record<string, string> = {};
    for (const [i, name] of route.params.entries()) {
      const raw = found[i + 1] ?? '';
      // Malformed percent-encoding (`%E9`, `%zz`): still this route, its parameter as sent — which no id
      // or collection matches, so the handler answers 400 as for any id that breaks the syntax.
      pathParameters[name] = isDecodable(raw) ? decodeURIComponent(raw) : raw;
    }
    return { route, pathParameters };
  }
  return null;
}

/**
 * What API Gateway's JWT authorizer checks: signature, algorithm, an expiry
 * in the future. The account claim must be a string (a number is not coerced).
 */
async function verifyBearer(
  header: string | undefined,
  secret: Uint8Array,
): Promise<Record<string, string> | undefined> {
  const token = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
  if (token === undefined) return undefined;
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
    // As API Gateway's claims: the account and the user must be strings (a number or a list is no user).
    if (typeof payload['custom:accountId'] !== 'string' || typeof payload.sub !== 'string' || payload.sub === '') {
      return undefined;
    }
    // API Gateway hands claims to the function as strings.
    return Object.fromEntries(
      Object.entries(payload).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return undefined;
    throw error;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_GATEWAY_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  route: CompiledRoute,
  pathParameters: Record<string, string>,
  claims: Record<string, string> | undefined,
  body: Buffer,
  arrivedAt: number,
): ApiEvent {
  // Maps without a prototype: `?__proto__=1` is a parameter like any other (and refused as unknown),
  // and `?constructor=x` gets no inherited text glued on.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = Object.create(null);
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  return apiGatewayEvent({
    method: req.method ?? route.method,
    path: url.pathname,
    routeKey: route.path === '$default' ? '$default' : `${route.method} ${route.path}`,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(route.params.length ? { pathParameters } : {}),
    claims: claims ?? {},
    // As API Gateway: a compressed body reaches the function base64-encoded.
    ...(isEncoded(headers['content-encoding'])
      ? { body: body.toString('base64'), isBase64Encoded: true }
      : { body: body.toString('utf8') }),
    protocol: `HTTP/${req.httpVersion}`,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    domainName: headers.host ?? 'localhost',
    timeEpoch: arrivedAt,
  });
}

function isEncoded(contentEncoding: string | undefined): boolean {
  const encoding = contentEncoding?.trim().toLowerCase();
  return encoding !== undefined && encoding !== '' && encoding !== 'identity';
}

function send(res: ServerResponse, result: ApiResult): void {
  res.statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
}
