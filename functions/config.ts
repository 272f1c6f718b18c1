// A function's configuration, read from its environment once per container.
// Which variables a function needs follows from its route's needs
// (routes.ts), the same manifest the stack sets them from; a missing one
// fails the cold start, before anything is written. Pure: the CDK app
// imports the variable names from here.
import type { Needs } from './routes.ts';

export const ENV = {
  recordsTable: 'RECORDS_TABLE',
  syncStateTable: 'SYNC_STATE_TABLE',
  /** In AWS: the Secrets Manager secret holding the cursor key. */
  cursorSecretArn: 'CURSOR_SECRET_ARN',
  /** Locally (and wherever set): the cursor key itself; wins over the ARN. */
  cursorSecret: 'CURSOR_SECRET',
  lookbackMs: 'CURSOR_LOOKBACK_MS',
  tombstoneRetentionDays: 'TOMBSTONE_RETENTION_DAYS',
} as const;

export const DEFAULT_LOOKBACK_MS = 120_000;
export const DEFAULT_TOMBSTONE_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;

export type SyncConfig = {
  /** How far behind the present a Sync Now cursor trails (service/pull.ts). */
  lookbackMs: number;
  tombstoneRetentionMs: number;
};

/** What a function needs from its environment, checked. */
export type FunctionConfig = {
  recordsTable?: string;
  syncStateTable?: string;
  cursorKey?: { secret: string } | { secretArn: string };
  sync: SyncConfig;
};

type Env = Record<string, string | undefined>;

export function syncConfigFromEnv(env: Env): SyncConfig {
  return {
    lookbackMs: positiveNumber(env, ENV.lookbackMs, DEFAULT_LOOKBACK_MS),
    tombstoneRetentionMs: positiveNumber(env, ENV.tombstoneRetentionDays, DEFAULT_TOMBSTONE_RETENTION_DAYS) * DAY_MS,
  };
}

/** Reads exactly what `needs` calls for; throws naming the first missing variable. */
export function configFor(needs: Needs, env: Env): FunctionConfig {
  const secret = env[ENV.cursorSecret];
  return {
    ...(needs.records ? { recordsTable: required(env, ENV.recordsTable) } : {}),
    ...(needs.syncState ? { syncStateTable: required(env, ENV.syncStateTable) } : {}),
    ...(needs.cursorKey ? { cursorKey: secret ? { secret } : { secretArn: required(env, ENV.cursorSecretArn) } } : {}),
    sync: syncConfigFromEnv(env),
  };
}

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
