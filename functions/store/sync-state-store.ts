// Sync-state table: the per-account lastSync record (sk = ACCOUNT) and one
// record per device (sk = DEVICE#<deviceId>).
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { isConditionalCheckFailed } from './client.ts';

const accountItem = z.object({
  lastSyncAt: z.number(),
  lastSyncBy: z.object({ userId: z.string(), deviceId: z.string() }),
});
export type AccountSyncState = z.infer<typeof accountItem>;

const deviceItem = z.object({
  lastSyncAt: z.number().nullable().default(null),
  lastPushAt: z.number().nullable().default(null),
  /** When the last completed Sync Now's pass started: changes after it may not be on the device. */
  syncedThrough: z.number().nullable().default(null),
});
export type DeviceSyncState = z.infer<typeof deviceItem>;

export interface SyncStateStore {
  /** The account record and, unless deviceId is null, the device's. */
  read(
    accountId: string,
    deviceId: string | null,
  ): Promise<{ account: AccountSyncState | null; device: DeviceSyncState | null }>;
  recordPush(accountId: string, deviceId: string, userId: string, at: number): Promise<void>;
  recordSync(
    accountId: string,
    deviceId: string,
    userId: string,
    at: number,
    passStart: number,
    pushed: boolean,
  ): Promise<void>;
}

const ACCOUNT = 'ACCOUNT';
const deviceKey = (deviceId: string) => `DEVICE#${deviceId}`;

export function createSyncStateStore({
  client,
  tableName,
}: {
  client: DynamoDBDocumentClient;
  tableName: string;
}): SyncStateStore {
  const updateDevice = (accountId: string, deviceId: string, userId: string, fields: Record<string, number>) =>
    client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { accountId, sk: deviceKey(deviceId) },
        UpdateExpression: `SET #userId = :userId, ${Object.keys(fields)
          .map((f) => `#${f} = :${f}`)
          .join(', ')}`,
        ExpressionAttributeNames: {
          '#userId': 'lastUserId',
          ...Object.fromEntries(Object.keys(fields).map((f) => [`#${f}`, f])),
        },
        ExpressionAttributeValues: {
          ':userId': userId,
          ...Object.fromEntries(Object.entries(fields).map(([f, v]) => [`:${f}`, v])),
        },
      }),
    );

  return {
    async read(accountId, deviceId) {
      const get = (sk: string) => client.send(new GetCommand({ TableName: tableName, Key: { accountId, sk } }));
      const [account, device] = await Promise.all([get(ACCOUNT), deviceId === null ? null : get(deviceKey(deviceId))]);
      return {
        account: account?.Item ? accountItem.parse(account.Item) : null,
        device: device?.Item ? deviceItem.parse(device.Item) : null,
      };
    },

    async recordPush(accountId, deviceId, userId, at) {
      await updateDevice(accountId, deviceId, userId, { lastPushAt: at });
    },

    async recordSync(accountId, deviceId, userId, at, passStart, pushed) {
      const fields = { lastSyncAt: at, syncedThrough: passStart, ...(pushed ? { lastPushAt: at } : {}) };
      await Promise.all([
        updateDevice(accountId, deviceId, userId, fields),
        // Two devices finishing at once: the later sync time wins, never the later request.
        client
          .send(
            new UpdateCommand({
              TableName: tableName,
              Key: { accountId, sk: ACCOUNT },
              UpdateExpression: 'SET lastSyncAt = :at, lastSyncBy = :by',
              ConditionExpression: 'attribute_not_exists(lastSyncAt) OR lastSyncAt < :at',
              ExpressionAttributeValues: { ':at': at, ':by': { userId, deviceId } },
            }),
          )
          .catch((error: unknown) => {
            if (!isConditionalCheckFailed(error)) throw error;
          }),
      ]);
    },
  };
}
