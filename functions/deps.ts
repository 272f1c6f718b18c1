// The composition root: builds the services a use case gets
// (service/context.ts) from a function's configuration — in Lambda once per
// container from the environment its route calls for (config.ts), checked
// at import, so a function missing a table or the cursor key fails its cold
// start before it can write anything; or from what the local server and the
// tests hand in. Only the Lambda entries (functions/<route>.ts), the local
// server and the tests import this; use cases and the transport depend on
// the context's types alone.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configFor, type FunctionConfig, type SyncConfig } from './config.ts';
import type { Deadline } from './core/budgets.ts';
import { tracer } from './http/observability.ts';
import { type RouteName, routeNamed } from './routes.ts';
import type { Services, ServicesSource, Stores } from './service/context.ts';
import { createDocumentClient } from './store/client.ts';
import { createRecordsStore } from './store/records-store.ts';
import { createSyncStateStore } from './store/sync-state-store.ts';

export type ServicesOptions = {
  client: DynamoDBDocumentClient;
  recordsTable?: string | undefined;
  syncStateTable?: string | undefined;
  cursorSecret?: string | undefined;
  config: SyncConfig;
  now?: () => number;
};

/** Services over the given tables; a part that was not configured throws if the code ever reaches for it. */
export function buildServices({
  client,
  recordsTable,
  syncStateTable,
  cursorSecret,
  config,
  now = Date.now,
}: ServicesOptions): Services {
  const stores = (deadline?: Deadline): Stores => ({
    records:
      recordsTable === undefined
        ? unconfigured('the records table')
        : createRecordsStore({
            client,
            tableName: recordsTable,
            now,
            tombstoneRetentionMs: config.tombstoneRetentionMs,
            deadline,
          }),
    syncState:
      syncStateTable === undefined
        ? unconfigured('the sync-state table')
        : createSyncStateStore({ client, tableName: syncStateTable, deadline }),
  });
  return {
    ...stores(),
    withDeadline: stores,
    cursorKey: () => {
      if (cursorSecret === undefined) throw new Error('the cursor key is not configured for this function');
      return cursorSecret;
    },
    now,
    config,
  };
}

/**
 * The Lambda entry's services for `route`. Inside Lambda (the runtime
 * sets AWS_LAMBDA_FUNCTION_NAME) the configuration is read and checked now,
 * at import, and the cursor key is fetched from Secrets Manager on the first
 * request, before the handler runs; elsewhere (a test importing a handler
 * module) nothing happens until the first call.
 */
export function lambdaServices(
  route: RouteName,
  env: Record<string, string | undefined> = process.env,
): ServicesSource {
  const read = () => configFor(routeNamed(route).needs, env);
  const config = env.AWS_LAMBDA_FUNCTION_NAME ? read() : undefined;
  let services: Promise<Services> | undefined;
  return () => {
    services ??= servicesFromConfig(config ?? read());
    services.catch(() => {
      services = undefined; // a failed set-up is retried on the next request
    });
    return services;
  };
}

async function servicesFromConfig(config: FunctionConfig): Promise<Services> {
  const key = config.cursorKey;
  const cursorSecret = key === undefined ? undefined : 'secret' in key ? key.secret : await readSecret(key.secretArn);
  return buildServices({
    // The SDK finds its endpoint the standard way (AWS_ENDPOINT_URL_DYNAMODB when set, else AWS's).
    client: tracer.captureAWSv3Client(createDocumentClient()),
    recordsTable: config.recordsTable,
    syncStateTable: config.syncStateTable,
    cursorSecret,
    config: config.sync,
  });
}

async function readSecret(secretId: string): Promise<string> {
  // Loaded only by the functions that hold cursors, so the others' cold starts skip it.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!SecretString) throw new Error('the cursor key secret has no string value');
    return SecretString;
  } finally {
    client.destroy();
  }
}

function unconfigured<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get() {
      throw new Error(`${what} is not configured for this function`);
    },
  });
}
