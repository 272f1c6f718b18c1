// The Account sync page (docs/protocol.md, "The Account sync page"). Cost: two GetItems, one one-item query
// per collection, and, for a device that has synced, one COUNT query per
// collection over the changes since its last sync. Nothing grows with the
// size of the account; no Scan.
import { type CollectionName, collectionNames } from '../core/collections.ts';
import type { Deps } from '../deps.ts';

export type CollectionStatus = { lastChangedAt: number | null; pendingChanges: number | null };

export type SyncStatus = {
  account: { lastSyncAt: number | null; lastSyncBy: { userId: string; deviceId: string } | null };
  device: { deviceId: string; lastSyncAt: number | null; lastPushAt: number | null } | null;
  collections: Record<CollectionName, CollectionStatus>;
  upToDate: boolean | null;
};

export async function readSyncStatus(deps: Deps, accountId: string, deviceId: string | null): Promise<SyncStatus> {
  const { account, device } = await deps.syncState.read(accountId, deviceId);
  const deviceLastSync = device?.lastSyncAt ?? null;
  // Count from when the last sync's pass started, not when it ended: a change
  // made during a long (or resumed) pass may have been read before it happened.
  const countFrom = device?.syncedThrough ?? deviceLastSync;
  const collections = Object.fromEntries(
    await Promise.all(
      collectionNames.map(async (collection) => {
        const [lastChangedAt, pendingChanges] = await Promise.all([
          deps.records.latestChangeAt(accountId, collection),
          deviceId === null || countFrom === null
            ? null
            : deps.records.countChangedSince(accountId, collection, countFrom, deviceId),
        ]);
        return [collection, { lastChangedAt, pendingChanges }] as const;
      }),
    ),
  ) as Record<CollectionName, CollectionStatus>;

  return {
    account: { lastSyncAt: account?.lastSyncAt ?? null, lastSyncBy: account?.lastSyncBy ?? null },
    device: deviceId === null ? null : { deviceId, lastSyncAt: deviceLastSync, lastPushAt: device?.lastPushAt ?? null },
    collections,
    upToDate:
      deviceId === null
        ? null
        : deviceLastSync !== null && Object.values(collections).every((c) => c.pendingChanges === 0),
  };
}
