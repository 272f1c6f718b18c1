// The Account sync page. Cost: two GetItems, one one-item query per
// collection, and, for a device that has synced, one COUNT query per
// collection over the changes since its last sync. Nothing grows with the
// size of the account; no Scan. The device is the caller's own (user,
// deviceId): no user can read another's device state.
import { type CollectionName, collectionNames } from '../../protocol/records.ts';
import type { StatusResponse } from '../../protocol/responses.ts';
import { deviceWriter, writerKey } from '../core/identity.ts';
import type { ServiceContext } from './context.ts';

type CollectionStatus = StatusResponse['collections'][CollectionName];

export async function readSyncStatus(context: ServiceContext, deviceId: string | null): Promise<StatusResponse> {
  const { accountId, userId } = context.caller;
  const device = deviceId === null ? null : { userId, deviceId };
  const { account, device: state } = await context.syncState.read(accountId, device);
  const deviceLastSync = state?.lastSyncAt ?? null;
  // Count from when the last sync's pass started, not when it ended: a change
  // made during a long (or resumed) pass may have been read before it happened.
  const countFrom = state?.syncedThrough ?? deviceLastSync;
  const collections = Object.fromEntries(
    await Promise.all(
      collectionNames.map(async (collection) => {
        const [lastChangedAt, pendingChanges] = await Promise.all([
          context.records.latestChangeAt(accountId, collection),
          device === null || countFrom === null
            ? null
            : context.records.countChangedSince(
                accountId,
                collection,
                countFrom,
                writerKey(deviceWriter(userId, device.deviceId)),
              ),
        ]);
        return [collection, { lastChangedAt, pendingChanges }] as const;
      }),
    ),
  ) as Record<CollectionName, CollectionStatus>;

  return {
    serverTime: context.now(),
    account: { lastSyncAt: account?.lastSyncAt ?? null, lastSyncBy: account?.lastSyncBy ?? null },
    device:
      device === null
        ? null
        : { deviceId: device.deviceId, lastSyncAt: deviceLastSync, lastPushAt: state?.lastPushAt ?? null },
    collections,
    upToDate:
      device === null
        ? null
        : deviceLastSync !== null && Object.values(collections).every((c) => c.pendingChanges === 0),
  };
}
