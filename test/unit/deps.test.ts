// Configuration: fail fast on what is missing or malformed; in Lambda the
// cursor key comes from Secrets Manager, read once per container.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { configFromEnv, depsFromEnv, lambdaDeps } from '../../functions/deps.ts';

describe('configuration', () => {
  it('has defaults for the tunables', () => {
    assert.deepEqual(configFromEnv({ CURSOR_SECRET: 'k' }), {
      cursorSecret: 'k',
      lookbackMs: 120_000,
      tombstoneRetentionMs: 90 * 86_400_000,
    });
  });

  it('names the missing variable', () => {
    assert.throws(() => depsFromEnv({ SYNC_STATE_TABLE: 's' }), /RECORDS_TABLE is not set/);
  });

  it('rejects a malformed number', () => {
    assert.throws(
      () => configFromEnv({ TOMBSTONE_RETENTION_DAYS: 'ninety' }),
      /TOMBSTONE_RETENTION_DAYS must be a positive number/,
    );
    assert.throws(() => configFromEnv({ CURSOR_LOOKBACK_MS: '-5' }), /CURSOR_LOOKBACK_MS/);
  });

  it('reads the cursor key from Secrets Manager once per container', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets
      .on(GetSecretValueCommand, { SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:cursor' })
      .resolves({ SecretString: 'from-secrets-manager' });
    Object.assign(process.env, {
      RECORDS_TABLE: 'r',
      SYNC_STATE_TABLE: 's',
      CURSOR_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:cursor',
      AWS_REGION: 'eu-west-1',
    });
    delete process.env.CURSOR_SECRET;
    try {
      const [first, second] = await Promise.all([lambdaDeps(), lambdaDeps()]);
      assert.equal(first.config.cursorSecret, 'from-secrets-manager');
      assert.equal(first, second);
      assert.equal(secrets.commandCalls(GetSecretValueCommand).length, 1);
    } finally {
      secrets.restore();
    }
  });
});
