// Every route of the API, in one table: the CDK stack deploys one function
// per entry from it, giving each exactly the tables, actions and key listed
// here and nothing else; each function reads exactly that configuration at
// cold start (config.ts); the local server routes from it. Pure data: `cdk
// synth` imports it without loading any handler code.

export type DynamoAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:Query';

/** What a route does to one table: the actions, on the table itself and/or its feed index. */
export type TableAccess = { actions: DynamoAction[]; on: ('table' | 'feed')[] };

/** What a function needs: tables (with their access) and the cursor key. */
export type Needs = { records?: TableAccess; syncState?: TableAccess; cursorKey?: boolean };

export type RouteName =
  | 'Health'
  | 'OpenApi'
  | 'SyncPush'
  | 'SyncNow'
  | 'SyncStatus'
  | 'SyncVerify'
  | 'RecordsList'
  | 'RecordsPut'
  | 'RecordsGet'
  | 'RecordsDelete';

export type Route = {
  /** Names the function in AWS. */
  name: RouteName;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway route path, with {param} segments. */
  path: string;
  /** Handler file under functions/, for bundling. */
  entry: string;
  authenticated: boolean;
  needs: Needs;
};

const put: TableAccess = { actions: ['dynamodb:PutItem'], on: ['table'] };

export const routes: Route[] = [
  { name: 'Health', method: 'GET', path: '/v1/health', entry: 'health.ts', authenticated: false, needs: {} },
  {
    name: 'OpenApi',
    method: 'GET',
    path: '/v1/openapi.json',
    entry: 'openapi.ts',
    authenticated: false,
    needs: {},
  },
  {
    name: 'SyncPush',
    method: 'POST',
    path: '/v1/sync/push',
    entry: 'sync-push.ts',
    authenticated: true,
    needs: { records: put, syncState: { actions: ['dynamodb:UpdateItem'], on: ['table'] } },
  },
  {
    name: 'SyncNow',
    method: 'POST',
    path: '/v1/sync/now',
    entry: 'sync-now.ts',
    authenticated: true,
    needs: {
      // BatchGetItem: the winners a pass still owes, fetched on its later pages.
      records: { actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'], on: ['table', 'feed'] },
      syncState: { actions: ['dynamodb:UpdateItem'], on: ['table'] },
      cursorKey: true,
    },
  },
  {
    name: 'SyncStatus',
    method: 'GET',
    path: '/v1/sync/status',
    entry: 'sync-status.ts',
    authenticated: true,
    needs: {
      records: { actions: ['dynamodb:Query'], on: ['feed'] },
      syncState: { actions: ['dynamodb:GetItem'], on: ['table'] },
    },
  },
  {
    name: 'SyncVerify',
    method: 'POST',
    path: '/v1/sync/verify',
    entry: 'sync-verify.ts',
    authenticated: true,
    // Reads the base table's keys and versions only; writes nothing, not even the device's state.
    needs: { records: { actions: ['dynamodb:Query'], on: ['table'] }, cursorKey: true },
  },
  {
    name: 'RecordsList',
    method: 'GET',
    path: '/v1/records/{collection}',
    entry: 'records-list.ts',
    authenticated: true,
    needs: { records: { actions: ['dynamodb:Query'], on: ['table'] }, cursorKey: true },
  },
  {
    name: 'RecordsPut',
    method: 'PUT',
    path: '/v1/records/{collection}/{id}',
    entry: 'records-put.ts',
    authenticated: true,
    needs: { records: put },
  },
  {
    name: 'RecordsGet',
    method: 'GET',
    path: '/v1/records/{collection}/{id}',
    entry: 'records-get.ts',
    authenticated: true,
    needs: { records: { actions: ['dynamodb:GetItem'], on: ['table'] } },
  },
  {
    name: 'RecordsDelete',
    method: 'DELETE',
    path: '/v1/records/{collection}/{id}',
    entry: 'records-delete.ts',
    authenticated: true,
    needs: { records: put },
  },
];

export function routeNamed(name: RouteName): Route {
  const route = routes.find((r) => r.name === name);
  if (route === undefined) throw new Error(`no route ${name}`);
  return route;
}

/** API Gateway's catch-all route, answering the API's 404 envelope. */
export const notFoundEntry = 'not-found.ts';

/** Every function's timeout: well under API Gateway's 29 s, far under the cursor's lookback window. */
export const FUNCTION_TIMEOUT_SECONDS = 10;
