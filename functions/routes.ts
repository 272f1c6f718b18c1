// Every route of SPEC §5, in one table: the local server routes from it and
// the CDK stack deploys one function per entry from it.
import { health } from './health.ts';
import type { ApiEvent, ApiResult, DepsSource } from './http/http-handler.ts';
import { recordsDelete } from './records-delete.ts';
import { recordsGet } from './records-get.ts';
import { recordsList } from './records-list.ts';
import { recordsPut } from './records-put.ts';
import { syncNow } from './sync-now.ts';
import { syncPush } from './sync-push.ts';
import { syncStatus } from './sync-status.ts';

export type Route = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway route path, with {param} segments. */
  path: string;
  /** Handler file under functions/, for bundling. */
  entry: string;
  authenticated: boolean;
  /** Which tables it writes to; the others it only reads (least privilege in CDK). */
  writes: boolean;
  build: (deps: DepsSource) => (event: ApiEvent, context: import('aws-lambda').Context) => Promise<ApiResult>;
};

export const routes: Route[] = [
  { method: 'GET', path: '/v1/health', entry: 'health.ts', authenticated: false, writes: false, build: health },
  { method: 'POST', path: '/v1/sync/push', entry: 'sync-push.ts', authenticated: true, writes: true, build: syncPush },
  { method: 'POST', path: '/v1/sync/now', entry: 'sync-now.ts', authenticated: true, writes: true, build: syncNow },
  { method: 'GET', path: '/v1/sync/status', entry: 'sync-status.ts', authenticated: true, writes: false, build: syncStatus },
  { method: 'GET', path: '/v1/records/{collection}', entry: 'records-list.ts', authenticated: true, writes: false, build: recordsList },
  { method: 'PUT', path: '/v1/records/{collection}/{id}', entry: 'records-put.ts', authenticated: true, writes: true, build: recordsPut },
  { method: 'GET', path: '/v1/records/{collection}/{id}', entry: 'records-get.ts', authenticated: true, writes: false, build: recordsGet },
  { method: 'DELETE', path: '/v1/records/{collection}/{id}', entry: 'records-delete.ts', authenticated: true, writes: true, build: recordsDelete },
];
