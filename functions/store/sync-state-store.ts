// Sync-state table: the per-account lastSync record (sk = ACCOUNT) and one
// record per device (sk = DEVICE#<deviceId>#<userId>: a device is a user and
// a deviceId). Every timestamp only ever moves forward: two Sync Nows of one
// device finishing out of order leave the later one's times.
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Deadline } from '../core/budgets.ts';
import type { Writer } from '../core/identity.ts';
import { dynamoCaller, isConditionalCheckFailed } from './client.ts';

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

export type Device = { userId: string; deviceId: string };

export interface SyncStateStore {
  /** The account record and, unless device is null, the device's. */
  read(
    accountId: string,
    device: Device | null,
  ): Promise<{ account: AccountSyncState | null; device: DeviceSyncState | null }>;
  recordPush(accountId: string, device: Device, at: number): Promise<void>;
  recordSync(accountId: string, device: Device, at: number, passStart: number, pushed: boolean): Promise<void>;
}

const ACCOUNT = 'ACCOUNT';
const deviceKey = ({ userId, deviceId }: Device) => `DEVICE#${deviceId}#${userId}`;

export function asDevice(writer: Writer): Device {
  if (writer.deviceId === null) throw new Error('the Main App is not a device');
  return { userId: writer.userId, deviceId: writer.deviceId };
}

export function createSyncStateStore({
  client,
  tableName,
  deadline,
}: {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The request's deadline (records-store.ts). */
  deadline?: Deadline | undefined;
}): SyncStateStore {
  const dynamo = dynamoCaller(deadline);
  /** Sets `fields` unless `guard` already holds a later (or equal) time: forward only. */
  const moveForward = async (key: Record<string, string>, guard: string, fields: Record<string, unknown>) => {
    const names = Object.keys(fields);
    try {
      await dynamo.run((o) =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: `SET ${names.map((f) => `#${f} = :${f}`).join(', ')}`,
            ConditionExpression: `attribute_not_exists(#${guard}) OR #${guard} < :${guard}`,
            ExpressionAttributeNames: Object.fromEntries(names.map((f) => [`#${f}`, f])),
            ExpressionAttributeValues: Object.fromEntries(names.map((f) => [`:${f}`, fields[f]])),
          }),
          o,
        ),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  };
  const deviceRecord = (accountId: string, device: Device) => ({ accountId, sk: deviceKey(device) });

  return {
    async read(accountId, device) {
      const get = (sk: string) =>
        dynamo.run((o) => client.send(new GetCommand({ TableName: tableName, Key: { accountId, sk } }), o));
      const [account, deviceState] = await Promise.all([get(ACCOUNT), device === null ? null : get(deviceKey(device))]);
      return {
        account: account?.Item ? accountItem.parse(account.Item) : null,
        device: deviceState?.Item ? deviceItem.parse(deviceState.Item) : null,
      };
    },

    async recordPush(accountId, device, at) {
      await moveForward(deviceRecord(accountId, device), 'lastPushAt', { lastPushAt: at, userId: device.userId });
    },

    async recordSync(accountId, device, at, passStart, pushed) {
      await Promise.all([
        moveForward(deviceRecord(accountId, device), 'lastSyncAt', {
          lastSyncAt: at,
          syncedThrough: passStart,
          userId: device.userId,
        }),
        pushed ? this.recordPush(accountId, device, at) : undefined,
        // Two devices finishing at once: the later sync time wins, never the later request.
        moveForward({ accountId, sk: ACCOUNT }, 'lastSyncAt', { lastSyncAt: at, lastSyncBy: device }),
      ]);
    },
  };
}
