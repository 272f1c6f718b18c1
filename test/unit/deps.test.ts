// Configuration: each function reads exactly what its route needs, fails
// fast on what is missing or malformed (at import, inside Lambda), and in
// Lambda reads the cursor key from Secrets Manager once per container.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { configFor, syncConfigFromEnv } from '../../functions/config.ts';
import { lambdaServices } from '../../functions/deps.ts';
import { routeNamed, routes } from '../../functions/routes.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:1:secret:cursor';
const everything = { RECORDS_TABLE: 'r', SYNC_STATE_TABLE: 's', CURSOR_SECRET_ARN: ARN };

describe('configuration', () => {
  it('has defaults for the tunables', () => {
    expect(syncConfigFromEnv({})).toStrictEqual({ lookbackMs: 120_000, tombstoneRetentionMs: 90 * 86_400_000 });
  });

  it('rejects a malformed number', () => {
    expect(() => syncConfigFromEnv({ TOMBSTONE_RETENTION_DAYS: 'ninety' })).toThrow(
      /TOMBSTONE_RETENTION_DAYS must be a positive number/,
    );
    expect(() => syncConfigFromEnv({ CURSOR_LOOKBACK_MS: '-5' })).toThrow(/CURSOR_LOOKBACK_MS/);
  });

  it.each(routes.map((r) => [r.name, r] as const))('%s reads exactly what its route needs', (_, route) => {
    const config = configFor(route.needs, everything);
    expect(config.recordsTable !== undefined).toBe(route.needs.records !== undefined);
    expect(config.syncStateTable !== undefined).toBe(route.needs.syncState !== undefined);
    expect(config.cursorKey !== undefined).toBe(route.needs.cursorKey === true);
  });

  it('names the missing variable', () => {
    expect(() => configFor(routeNamed('RecordsList').needs, { RECORDS_TABLE: 'r' })).toThrow(
      /CURSOR_SECRET_ARN is not set/,
    );
    expect(() => configFor(routeNamed('SyncNow').needs, { RECORDS_TABLE: 'r', CURSOR_SECRET: 'k' })).toThrow(
      /SYNC_STATE_TABLE is not set/,
    );
  });

  it('inside Lambda, fails at import (the cold start) when a variable is missing — before any request', () => {
    const env = { AWS_LAMBDA_FUNCTION_NAME: 'SyncNow', RECORDS_TABLE: 'r', CURSOR_SECRET_ARN: ARN };
    expect(() => lambdaServices('SyncNow', env)).toThrow(/SYNC_STATE_TABLE is not set/);
    // Outside Lambda (a test importing the module) nothing is read until the first call.
    expect(() => lambdaServices('SyncNow', { RECORDS_TABLE: 'r' })).not.toThrow();
  });

  it('reads the cursor key from Secrets Manager once per container', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'from-secrets-manager' });
    try {
      const source = lambdaServices('SyncNow', {
        ...everything,
        AWS_LAMBDA_FUNCTION_NAME: 'SyncNow',
        AWS_REGION: 'eu-west-1',
      });
      const [first, second] = await Promise.all([source(), source()]);
      expect(first.cursorKey()).toBe('from-secrets-manager');
      expect(first).toBe(second);
      expect(secrets).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, { SecretId: ARN });
    } finally {
      secrets.restore();
    }
  });

  it('a function without a part throws if the code ever reaches for it', async () => {
    const services = await lambdaServices('RecordsGet', { RECORDS_TABLE: 'r', AWS_REGION: 'eu-west-1' })();
    expect(() => services.cursorKey()).toThrow(/cursor key is not configured/);
    expect(() => services.syncState.read('a', null)).toThrow(/sync-state table is not configured/);
  });
});
