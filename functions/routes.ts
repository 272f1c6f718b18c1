// What the server adds to each route of the API (protocol/routes.ts): the
// handler file, and what it needs. The CDK stack deploys one function per
// route from this, giving each exactly the tables, actions and key listed
// here and nothing else; each function reads exactly that configuration at
// cold start (config.ts); the local server routes from it. Pure data: `cdk
// synth` imports it without loading any handler code.
import { type ApiRoute, apiRoutes, type RouteName, routeNames } from '../protocol/routes.ts';

export type DynamoAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:Query';

/**
 * What a route does to one table: the actions on the table itself, and those
 * on its feed index (only Query means anything on an index).
 */
export type TableAccess = { table?: DynamoAction[]; feed?: 'dynamodb:Query'[] };

/** What a function needs: tables (with their access) and the cursor key. */
export type Needs = { records?: TableAccess; syncState?: TableAccess; cursorKey?: boolean };

export type { RouteName };

/** What the server adds to a route of the API (protocol/routes.ts): its handler file and what it needs. */
type Deployment = {
  /** Handler file under functions/, for bundling. */
  entry: string;
  needs: Needs;
};

export type Route = Pick<ApiRoute, 'method' | 'path' | 'authenticated'> &
  Deployment & {
    /** Names the function in AWS. */
    name: RouteName;
  };

const put: TableAccess = { table: ['dynamodb:PutItem'] };

/** Keyed by the protocol's route names: a route without a handler here does not type-check. */
const deployments: Record<RouteName, Deployment> = {
  Health: { entry: 'health.ts', needs: {} },
  OpenApi: { entry: 'openapi.ts', needs: {} },
  SyncPush: {
    entry: 'sync-push.ts',
    needs: { records: put, syncState: { table: ['dynamodb:UpdateItem'] } },
  },
  SyncNow: {
    entry: 'sync-now.ts',
    needs: {
      // Query on the table: a snapshot; on the feed: changes after a cursor.
      // BatchGetItem: the winners a pass still owes, fetched on its later pages.
      records: { table: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'], feed: ['dynamodb:Query'] },
      syncState: { table: ['dynamodb:UpdateItem'] },
      cursorKey: true,
    },
  },
  SyncStatus: {
    entry: 'sync-status.ts',
    needs: {
      records: { feed: ['dynamodb:Query'] },
      syncState: { table: ['dynamodb:GetItem'] },
    },
  },
  SyncVerify: {
    entry: 'sync-verify.ts',
    // Reads the base table's keys and versions only; writes nothing, not even the device's state.
    needs: { records: { table: ['dynamodb:Query'] }, cursorKey: true },
  },
  RecordsList: {
    entry: 'records-list.ts',
    needs: { records: { table: ['dynamodb:Query'] }, cursorKey: true },
  },
  RecordsPut: { entry: 'records-put.ts', needs: { records: put } },
  RecordsGet: { entry: 'records-get.ts', needs: { records: { table: ['dynamodb:GetItem'] } } },
  RecordsDelete: { entry: 'records-delete.ts', needs: { records: put } },
};

/** Every route of the API with its handler and needs, in the protocol's order. */
export const routes: Route[] = routeNames.map((name) => {
  const { method, path, authenticated } = apiRoutes[name];
  return { name, method, path, authenticated, ...deployments[name] };
});

export function routeNamed(name: RouteName): Route {
  const route = routes.find((r) => r.name === name);
  if (route === undefined) throw new Error(`no route ${name}`);
  return route;
}

/** API Gateway's catch-all route, answering the API's 404 envelope. */
export const notFoundEntry = 'not-found.ts';

/** Every function's timeout: well under API Gateway's 29 s, far under the cursor's lookback window. */
export const FUNCTION_TIMEOUT_SECONDS = 10;
