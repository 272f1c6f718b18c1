// Every route of the API, once: method, path, whether it needs a token,
// and what it takes and answers. The OpenAPI document describes these
// (openapi.ts), the server deploys and serves exactly these, each with its
// handler and its needs (functions/routes.ts, keyed by the same names, so
// `tsc` names a route that has no handler), and the client builds its
// requests' paths from them (`routePath`). No Node APIs.
import type * as z from 'zod';
import { listQuery, statusQuery } from './requests.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type ApiRoute = {
  method: HttpMethod;
  /** With {param} segments, as API Gateway routes it. */
  path: string;
  authenticated: boolean;
  summary: string;
  description: string;
  query?: z.ZodObject;
  pathParams?: readonly ('collection' | 'id')[];
  /** The named request schema (openapi.ts), or WebBody: one per collection. */
  body?: string;
  /** Status → named response schema (openapi.ts), or null for an empty body. */
  responses: Record<number, string | null>;
};

const authErrors = [400, 401, 500, 503];
const bodyErrors = [413, 415];

const errors = (statuses: number[]): Record<number, string> =>
  Object.fromEntries(statuses.map((s) => [s, 'ErrorResponse']));

export const apiRoutes = {
  SyncPush: {
    method: 'POST',
    path: '/v1/sync/push',
    summary: 'Login push',
    description:
      "The device's pending changes go up; nothing comes down. Each record is reconciled on the server (latest `updatedAt` wins, skew-corrected by `clientTime`) and reported with one status, in request order.",
    authenticated: true,
    body: 'PushRequest',
    responses: { 200: 'PushResponse', ...errors([...authErrors, ...bodyErrors]) },
  },
  SyncNow: {
    method: 'POST',
    path: '/v1/sync/now',
    summary: 'Sync Now',
    description:
      'Pushes pending changes (as login push), then pulls every change after `cursor`, a page at a time. `cursor: null` starts a full snapshot of live records. Call again with the returned cursor while `hasMore` is true.',
    authenticated: true,
    body: 'SyncNowRequest',
    responses: { 200: 'SyncNowResponse', ...errors([...authErrors, ...bodyErrors]) },
  },
  SyncStatus: {
    method: 'GET',
    path: '/v1/sync/status',
    summary: 'Account sync status',
    description:
      "When the account last synced, and, with `deviceId`, this device's last sync and push and, per collection, how many records other writers changed since its last completed Sync Now.",
    authenticated: true,
    query: statusQuery,
    responses: { 200: 'StatusResponse', ...errors(authErrors) },
  },
  SyncVerify: {
    method: 'POST',
    path: '/v1/sync/verify',
    summary: 'Verify',
    description:
      'Count and digest of one collection\'s live records with `from` ≤ id < `to` (null: unbounded; ids compare as bytes), split into at most `parts` consecutive sub-ranges of nearly equal count whose bounds are real ids, so a device can prove it holds what the backend holds and narrow down where it does not. A digest is, over the records of a part, the first 8 bytes of SHA-256 over UTF-8 `id + "\\n" + updatedAt` (decimal) read as an unsigned 64-bit big-endian integer, summed modulo 2^64, as 16 lowercase hex digits (`0000000000000000` for none). A page does bounded work: while `cursor` is not null, send the same request with it; the parts of all pages together cover the range. Writes nothing.',
    authenticated: true,
    body: 'VerifyRequest',
    responses: { 200: 'VerifyResponse', ...errors([...authErrors, ...bodyErrors]) },
  },
  RecordsList: {
    method: 'GET',
    path: '/v1/records/{collection}',
    summary: 'List live records (Main App)',
    description:
      'Live records of one collection in id order, a page at a time; `from` (inclusive) and `to` (exclusive) bound the ids. `cursor` continues a listing: send it with the same `from` and `to` (a cursor of another collection or range is `BAD_CURSOR`).',
    authenticated: true,
    pathParams: ['collection'],
    query: listQuery,
    responses: { 200: 'ListResponse', ...errors(authErrors) },
  },
  RecordsPut: {
    method: 'PUT',
    path: '/v1/records/{collection}/{id}',
    summary: 'Create or replace a record (Main App)',
    description:
      "The body is the collection's fields (`id`, if present, must match the path; `updatedAt` and `deleted` are ignored). Stamped with the server clock, past any version the backend holds: a web write always wins, except over a tombstone (410).",
    authenticated: true,
    pathParams: ['collection', 'id'],
    body: 'WebBody',
    responses: { 200: 'RecordResponse', 201: 'RecordResponse', ...errors([...authErrors, 410, ...bodyErrors]) },
  },
  RecordsGet: {
    method: 'GET',
    path: '/v1/records/{collection}/{id}',
    summary: 'Read a record (Main App)',
    description: 'A live record; 410 with the tombstone as `record` if it was deleted.',
    authenticated: true,
    pathParams: ['collection', 'id'],
    responses: { 200: 'RecordResponse', ...errors([...authErrors, 404, 410]) },
  },
  RecordsDelete: {
    method: 'DELETE',
    path: '/v1/records/{collection}/{id}',
    summary: 'Delete a record (Main App)',
    description:
      'Tombstones the record; every device deletes it at its next Sync Now, edited or not. Deleting twice is still 204; a record that never existed is 404.',
    authenticated: true,
    pathParams: ['collection', 'id'],
    responses: { 204: null, ...errors([...authErrors, 404]) },
  },
  Health: {
    method: 'GET',
    path: '/v1/health',
    summary: 'Health check',
    description: 'Is the API up. No token, no database.',
    authenticated: false,
    responses: { 200: 'HealthResponse' },
  },
  OpenApi: {
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This document',
    description: 'The OpenAPI 3.1 description of the API. No token.',
    authenticated: false,
    responses: { 200: null },
  },
} as const satisfies Record<string, ApiRoute>;

export type RouteName = keyof typeof apiRoutes;

export const routeNames = Object.keys(apiRoutes) as RouteName[];

/**
 * The methods the API answers on `path` (a request path, no query), in the
 * routes' order: none for a path it does not know (404), and, for a known
 * path asked with another method, what a 405 lists in `Allow`.
 */
export function methodsFor(path: string): HttpMethod[] {
  const methods = routeNames
    .map((name) => apiRoutes[name])
    .filter((route) => pathPattern(route.path).test(path))
    .map((route): HttpMethod => route.method);
  return [...new Set(methods)];
}

/** A route path as a pattern: each `{param}` one non-empty segment. */
export function pathPattern(path: string): RegExp {
  const source = path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+');
  return new RegExp(`^${source}$`);
}

/** A route's path with its `{collection}` and `{id}` filled in (URI-encoded). */
export function routePath(name: RouteName, params: { collection?: string; id?: string } = {}): string {
  return apiRoutes[name].path.replace(/\{(collection|id)\}/g, (_, key: 'collection' | 'id') => {
    const value = params[key];
    if (value === undefined) throw new Error(`${name} needs ${key}`);
    return encodeURIComponent(value);
  });
}
