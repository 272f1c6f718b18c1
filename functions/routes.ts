// Every route of the API, in one table: the local server routes from it and
// the CDK stack deploys one function per entry from it, with exactly the
// DynamoDB actions listed here (least privilege).
import { health } from './health.ts';
import type { ApiEvent, ApiResult, DepsSource } from './http/http-handler.ts';
import { openApi } from './openapi.ts';
import { recordsDelete } from './records-delete.ts';
import { recordsGet } from './records-get.ts';
import { recordsList } from './records-list.ts';
import { recordsPut } from './records-put.ts';
import { syncNow } from './sync-now.ts';
import { syncPush } from './sync-push.ts';
import { syncStatus } from './sync-status.ts';

export type DynamoAction = 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:Query';

/** What a route does to one table: the actions, on the table itself and/or its feed index. */
export type TableAccess = { actions: DynamoAction[]; on: ('table' | 'feed')[] };

export type Route = {
  /** Names the function in AWS. */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway route path, with {param} segments. */
  path: string;
  /** Handler file under functions/, for bundling. */
  entry: string;
  authenticated: boolean;
  access: { records?: TableAccess; syncState?: TableAccess; cursors?: boolean };
  build: (deps: DepsSource) => (event: ApiEvent, context: import('aws-lambda').Context) => Promise<ApiResult>;
};

const put: TableAccess = { actions: ['dynamodb:PutItem'], on: ['table'] };

export const routes: Route[] = [
  {
    name: 'Health',
    method: 'GET',
    path: '/v1/health',
    entry: 'health.ts',
    authenticated: false,
    access: {},
    build: health,
  },
  {
    name: 'OpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    entry: 'openapi.ts',
    authenticated: false,
    access: {},
    build: openApi,
  },
  {
    name: 'SyncPush',
    method: 'POST',
    path: '/v1/sync/push',
    entry: 'sync-push.ts',
    authenticated: true,
    access: { records: put, syncState: { actions: ['dynamodb:UpdateItem'], on: ['table'] } },
    build: syncPush,
  },
  {
    name: 'SyncNow',
    method: 'POST',
    path: '/v1/sync/now',
    entry: 'sync-now.ts',
    authenticated: true,
    access: {
      records: { actions: ['dynamodb:PutItem', 'dynamodb:Query'], on: ['table', 'feed'] },
      syncState: { actions: ['dynamodb:UpdateItem'], on: ['table'] },
      cursors: true,
    },
    build: syncNow,
  },
  {
    name: 'SyncStatus',
    method: 'GET',
    path: '/v1/sync/status',
    entry: 'sync-status.ts',
    authenticated: true,
    access: {
      records: { actions: ['dynamodb:Query'], on: ['feed'] },
      syncState: { actions: ['dynamodb:GetItem'], on: ['table'] },
    },
    build: syncStatus,
  },
  {
    name: 'RecordsList',
    method: 'GET',
    path: '/v1/records/{collection}',
    entry: 'records-list.ts',
    authenticated: true,
    access: { records: { actions: ['dynamodb:Query'], on: ['table'] }, cursors: true },
    build: recordsList,
  },
  {
    name: 'RecordsPut',
    method: 'PUT',
    path: '/v1/records/{collection}/{id}',
    entry: 'records-put.ts',
    authenticated: true,
    access: { records: put },
    build: recordsPut,
  },
  {
    name: 'RecordsGet',
    method: 'GET',
    path: '/v1/records/{collection}/{id}',
    entry: 'records-get.ts',
    authenticated: true,
    access: { records: { actions: ['dynamodb:GetItem'], on: ['table'] } },
    build: recordsGet,
  },
  {
    name: 'RecordsDelete',
    method: 'DELETE',
    path: '/v1/records/{collection}/{id}',
    entry: 'records-delete.ts',
    authenticated: true,
    access: { records: put },
    build: recordsDelete,
  },
];

/** API Gateway's catch-all route, answering the API's 404 envelope. */
export const notFoundEntry = 'not-found.ts';
