// Every route's handler, built over given dependencies: the local server and
// the tests serve the routes of functions/routes.ts with the very handlers
// that run in Lambda.
import { health } from '../functions/health.ts';
import type { ApiEvent, ApiResult } from '../functions/http/http-handler.ts';
import { openApi } from '../functions/openapi.ts';
import { recordsDelete } from '../functions/records-delete.ts';
import { recordsGet } from '../functions/records-get.ts';
import { recordsList } from '../functions/records-list.ts';
import { recordsPut } from '../functions/records-put.ts';
import type { RouteName } from '../functions/routes.ts';
import type { ServicesSource } from '../functions/service/context.ts';
import { syncNow } from '../functions/sync-now.ts';
import { syncPush } from '../functions/sync-push.ts';
import { syncStatus } from '../functions/sync-status.ts';
import { syncVerify } from '../functions/sync-verify.ts';

export type Handler = (event: ApiEvent, context: import('aws-lambda').Context) => Promise<ApiResult>;

export const handlerFactories: Record<RouteName, (services: ServicesSource) => Handler> = {
  Health: () => health(),
  OpenApi: () => openApi(),
  SyncPush: syncPush,
  SyncNow: syncNow,
  SyncStatus: syncStatus,
  SyncVerify: syncVerify,
  RecordsList: recordsList,
  RecordsPut: recordsPut,
  RecordsGet: recordsGet,
  RecordsDelete: recordsDelete,
};
