// Configuration: fail fast on what is missing or malformed; in Lambda the
// cursor key comes from Secrets Manager, read once per container.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configFromEnv, depsFromEnv, lambdaDeps } from '../../functions/deps.ts';

describe('configuration', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('has defaults for the tunables', () => {
    expect(configFromEnv({ CURSOR_SECRET: 'k' })).toStrictEqual({
      cursorSecret: 'k',
      lookbackMs: 120_000,
      tombstoneRetentionMs: 90 * 86_400_000,
    });
  });

  it('names the missing variable', () => {
    expect(() => depsFromEnv({ SYNC_STATE_TABLE: 's' })).toThrow(/RECORDS_TABLE is not set/);
  });

  it('rejects a malformed number', () => {
    expect(() => configFromEnv({ TOMBSTONE_RETENTION_DAYS: 'ninety' })).toThrow(
      /TOMBSTONE_RETENTION_DAYS must be a positive number/,
    );
    expect(() => configFromEnv({ CURSOR_LOOKBACK_MS: '-5' })).toThrow(/CURSOR_LOOKBACK_MS/);
  });

  it('reads the cursor key from Secrets Manager once per container', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets
      .on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:cursor' })
      .resolves({ SecretString: 'from-secrets-manager' });
    // lambdaDeps reads process.env itself; the afterEach puts it back.
    vi.stubEnv('RECORDS_TABLE', 'r');
    vi.stubEnv('SYNC_STATE_TABLE', 's');
    vi.stubEnv('CURSOR_SECRET_ARN', 'arn:aws:secretsmanager:eu-west-1:1:secret:cursor');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('CURSOR_SECRET', undefined);
    try {
      const [first, second] = await Promise.all([lambdaDeps(), lambdaDeps()]);
      expect(first.config.cursorSecret).toBe('from-secrets-manager');
      expect(first).toBe(second);
      expect(secrets).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, {
        SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:cursor',
      });
    } finally {
      secrets.restore();
    }
  });
});
