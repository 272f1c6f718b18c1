// The local stand-in for API Gateway: routes a request to the same handler
// code that runs in Lambda, after doing what API Gateway's JWT authorizer
// does (here: HS256 tokens signed with LOCAL_JWT_SECRET), and hands the
// handler the same HTTP API payload v2 event. Handlers have one code path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { Deps } from '../functions/deps.ts';
import { errorBody } from '../functions/http/errors.ts';
import { type ApiEvent, type ApiResult, json } from '../functions/http/http-handler.ts';
import { notFound } from '../functions/not-found.ts';
import { type Route, routes } from '../functions/routes.ts';
import { apiGatewayEvent, lambdaContext } from './lambda-event.ts';

export const DEFAULT_JWT_SECRET = 'local-dev-secret';
/** API Gateway HTTP APIs accept up to 10 MB; the handlers enforce the protocol's 5 MiB. */
const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;

export type LocalApi = { url: string; port: number; server: Server; close: () => Promise<void> };

export type LocalApiOptions = {
  deps: () => Deps;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  jwtSecret?: string;
  /** More routes to serve next to the API's own (the benchmark's baseline). */
  extraRoutes?: Route[];
  /** The Main App's origin, for CORS (as API Gateway's CORS settings do in AWS); unset: no CORS headers. */
  corsOrigin?: string;
};

type CompiledRoute = Route & { pattern: RegExp; params: string[]; handler: ReturnType<Route['build']> };

export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const secret = new TextEncoder().encode(options.jwtSecret ?? DEFAULT_JWT_SECRET);
  const compiled: CompiledRoute[] = [...routes, ...(options.extraRoutes ?? [])].map((route) => {
    const params: string[] = [];
    const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    return { ...route, pattern: new RegExp(`^${source}$`), params, handler: route.build(options.deps) };
  });

  // Unmatched requests go where API Gateway's $default route sends them.
  const notFoundHandler = notFound();
  const fallback = {
    ...routes[0]!,
    name: 'NotFound',
    method: 'GET' as const,
    path: '$default',
    entry: 'not-found.ts',
    authenticated: false,
    pattern: /$^/,
    params: [],
    handler: notFoundHandler,
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('local-api: request failed', error);
      if (!res.headersSent) send(res, json(500, errorBody('INTERNAL', 'internal error')));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.corsOrigin) {
      res.setHeader('access-control-allow-origin', options.corsOrigin);
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST, PUT, DELETE',
          'access-control-allow-headers': 'authorization, content-type',
          'access-control-max-age': '3600',
        });
        return void res.end();
      }
    }
    // Prefix, don't resolve: a path such as '//' would otherwise be read as a host.
    const url = URL.canParse(`http://localhost${req.url ?? '/'}`)
      ? new URL(`http://localhost${req.url ?? '/'}`)
      : new URL('http://localhost/');
    const method = req.method ?? 'GET';
    const match = matchRoute(compiled, method, url.pathname);
    if (match === null) {
      const event = toEvent(req, url, fallback, {}, undefined, '');
      return send(res, await notFoundHandler(event, functionContext(fallback)));
    }
    const { route, pathParameters } = match;

    let claims: Record<string, string> | undefined;
    if (route.authenticated) {
      claims = await verifyBearer(req.headers.authorization, secret);
      if (claims === undefined) {
        return send(res, json(401, errorBody('UNAUTHORIZED', 'a valid bearer token is required')));
      }
    }

    const body = await readBody(req);
    if (body === null) return send(res, json(413, errorBody('PAYLOAD_TOO_LARGE', 'the body is too large')));

    const event = toEvent(req, url, route, pathParameters, claims, body);
    send(res, await route.handler(event, functionContext(route)));
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

function matchRoute(compiled: CompiledRoute[], method: string, path: string) {
  for (const route of compiled) {
    if (route.method !== method) continue;
    const found = route.pattern.exec(path);
    if (!found) continue;
    const pathParameters: Record<string, string> = {};
    try {
      for (const [i, name] of route.params.entries()) pathParameters[name] = decodeURIComponent(found[i + 1] ?? '');
    } catch {
      return null; // malformed percent-encoding: no such route
    }
    return { route, pathParameters };
  }
  return null;
}

/** What API Gateway's JWT authorizer checks: signature, algorithm, expiry. */
async function verifyBearer(
  header: string | undefined,
  secret: Uint8Array,
): Promise<Record<string, string> | undefined> {
  const token = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
  if (token === undefined) return undefined;
  try {
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'] });
    // API Gateway hands claims to the function as strings.
    return Object.fromEntries(
      Object.entries(payload).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return undefined;
    throw error;
  }
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_GATEWAY_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  route: CompiledRoute,
  pathParameters: Record<string, string>,
  claims: Record<string, string> | undefined,
  body: string,
): ApiEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
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
    body,
    protocol: `HTTP/${req.httpVersion}`,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    domainName: headers.host ?? 'localhost',
  });
}

const functionContext = (route: Route) => lambdaContext(`local-${route.entry.replace(/\.ts$/, '')}`);

function send(res: ServerResponse, result: ApiResult): void {
  res.statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  res.end(result.body ?? '');
}
