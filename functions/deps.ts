// What a handler needs, built once per Lambda container from the environment
// (fail fast: a missing variable throws on the first request with a clear
// message), or handed in by the local server and the tests.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './http/observability.ts';
import { createDocumentClient } from './store/client.ts';
import { createRecordsStore, type RecordsStore } from './store/records-store.ts';
import { createSyncStateStore, type SyncStateStore } from './store/sync-state-store.ts';

export type SyncConfig = {
  /** HMAC key for cursors; empty in functions that never see one. */
  cursorSecret: string;
  /** How far behind the present a Sync Now cursor trails (service/pull.ts). */
  lookbackMs: number;
  tombstoneRetentionMs: number;
};

export type Deps = {
  records: RecordsStore;
  syncState: SyncStateStore;
  /** The server clock. */
  now: () => number;
  config: SyncConfig;
};

export const DEFAULT_LOOKBACK_MS = 120_000;
export const DEFAULT_TOMBSTONE_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive number`);
  return value;
}

export function configFromEnv(env: Env): SyncConfig {
  return {
    // Only the routes that issue or read cursors get the key (least privilege).
    cursorSecret: env.CURSOR_SECRET ?? '',
    lookbackMs: positiveNumber(env, 'CURSOR_LOOKBACK_MS', DEFAULT_LOOKBACK_MS),
    tombstoneRetentionMs: positiveNumber(env, 'TOMBSTONE_RETENTION_DAYS', DEFAULT_TOMBSTONE_RETENTION_DAYS) * DAY_MS,
  };
}

export type DepsOptions = {
  client: DynamoDBDocumentClient;
  recordsTable: string;
  syncStateTable: string;
  config: SyncConfig;
  now?: () => number;
};

export function buildDeps({ client, recordsTable, syncStateTable, config, now = Date.now }: DepsOptions): Deps {
  return {
    records: createRecordsStore({
      client,
      tableName: recordsTable,
      now,
      tombstoneRetentionMs: config.tombstoneRetentionMs,
    }),
    syncState: createSyncStateStore({ client, tableName: syncStateTable }),
    now,
    config,
  };
}

export function depsFromEnv(
  env: Env = process.env,
  client = createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT || undefined }),
): Deps {
  return buildDeps({
    client,
    recordsTable: required(env, 'RECORDS_TABLE'),
    syncStateTable: required(env, 'SYNC_STATE_TABLE'),
    config: configFromEnv(env),
  });
}

let lambda: Promise<Deps> | undefined;
/**
 * The Lambda's dependencies: created on the first request, then reused by the
 * container. In AWS the cursor key lives in Secrets Manager
 * (CURSOR_SECRET_ARN) and is read once per container; a plain CURSOR_SECRET
 * wins when set.
 */
export function lambdaDeps(): Promise<Deps> {
  lambda ??= (async () => {
    const env = { ...process.env };
    if (!env.CURSOR_SECRET && env.CURSOR_SECRET_ARN) env.CURSOR_SECRET = await readSecret(env.CURSOR_SECRET_ARN);
    return depsFromEnv(
      env,
      tracer.captureAWSv3Client(createDocumentClient({ endpoint: env.DYNAMODB_ENDPOINT || undefined })),
    );
  })();
  lambda.catch(() => (lambda = undefined)); // a failed cold start is retried on the next request
  return lambda;
}

async function readSecret(secretId: string): Promise<string> {
  // Loaded only by the functions that hold cursors, so the others' cold starts skip it.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!SecretString) throw new Error(`secret ${secretId} has no string value`);
    return SecretString;
  } finally {
    client.destroy();
  }
}
