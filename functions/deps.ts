// What a handler needs, built from its configuration: in Lambda once per
// container from the environment its route calls for (config.ts) — checked
// at import, so a function missing a table or the cursor key fails its cold
// start before it can write anything — or handed in by the local server and
// the tests.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configFor, type FunctionConfig, type SyncConfig } from './config.ts';
import { tracer } from './http/observability.ts';
import { type RouteName, routeNamed } from './routes.ts';
import { createDocumentClient } from './store/client.ts';
import { createRecordsStore, type RecordsStore } from './store/records-store.ts';
import { createSyncStateStore, type SyncStateStore } from './store/sync-state-store.ts';

export type Deps = {
  records: RecordsStore;
  syncState: SyncStateStore;
  /** HMAC key for cursors. */
  readonly cursorSecret: string;
  /** The server clock. */
  now: () => number;
  config: SyncConfig;
};

/** A route's dependencies: built synchronously (tests, local) or once per container (Lambda). */
export type DepsSource = () => Deps | Promise<Deps>;

export type DepsOptions = {
  client: DynamoDBDocumentClient;
  recordsTable?: string | undefined;
  syncStateTable?: string | undefined;
  cursorSecret?: string | undefined;
  config: SyncConfig;
  now?: () => number;
};

/** Dependencies over the given tables; a part that was not configured throws if the code ever reaches for it. */
export function buildDeps({
  client,
  recordsTable,
  syncStateTable,
  cursorSecret,
  config,
  now = Date.now,
}: DepsOptions): Deps {
  return {
    records:
      recordsTable === undefined
        ? unconfigured('the records table')
        : createRecordsStore({
            client,
            tableName: recordsTable,
            now,
            tombstoneRetentionMs: config.tombstoneRetentionMs,
          }),
    syncState:
      syncStateTable === undefined
        ? unconfigured('the sync-state table')
        : createSyncStateStore({ client, tableName: syncStateTable }),
    get cursorSecret() {
      if (cursorSecret === undefined) throw new Error('the cursor key is not configured for this function');
      return cursorSecret;
    },
    now,
    config,
  };
}

/**
 * The Lambda entry's dependencies for `route`. Inside Lambda (the runtime
 * sets AWS_LAMBDA_FUNCTION_NAME) the configuration is read and checked now,
 * at import, and the cursor key is fetched from Secrets Manager on the first
 * request, before the handler runs; elsewhere (a test importing a handler
 * module) nothing happens until the first call.
 */
export function lambdaDeps(route: RouteName, env: Record<string, string | undefined> = process.env): DepsSource {
  const read = () => configFor(routeNamed(route).needs, env);
  const config = env.AWS_LAMBDA_FUNCTION_NAME ? read() : undefined;
  let deps: Promise<Deps> | undefined;
  return () => {
    deps ??= depsFromConfig(config ?? read());
    deps.catch(() => {
      deps = undefined; // a failed set-up is retried on the next request
    });
    return deps;
  };
}

async function depsFromConfig(config: FunctionConfig): Promise<Deps> {
  const key = config.cursorKey;
  const cursorSecret = key === undefined ? undefined : 'secret' in key ? key.secret : await readSecret(key.secretArn);
  return buildDeps({
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
