// The reconcile rules, read top to bottom next to docs/protocol.md ("How the server decides") and the product's rules.
// Pure: no AWS, no I/O. The store turns `decidePush` into one DynamoDB
// condition (store/records-store.ts) and uses `decidePush` again to read the
// losing version that DynamoDB hands back, so the rules live in one place.

/** A version as the backend holds it: the facts the rules look at. */
export type StoredVersion = {
  /** Effective `updatedAt`, on the server clock. */
  updatedAt: number;
  deleted: boolean;
  /** `deviceId` of the device that wrote it, or `web:<sub>`. */
  writer: string;
  /** The raw device `updatedAt`, kept so a retry can be recognised. */
  clientUpdatedAt?: number | undefined;
};

/** A version a device pushes, already skew-corrected. */
export type IncomingVersion = {
  updatedAt: number;
  deleted: boolean;
  writer: string;
  clientUpdatedAt: number;
};

export type PushStatus = 'created' | 'updated' | 'unchanged' | 'stale' | 'deleted';

/**
 * Decides one pushed version against what the backend holds (`undefined`
 * when it holds nothing). Every branch is a row of the rules table (docs/protocol.md).
 */
export function decidePush(current: StoredVersion | undefined, incoming: IncomingVersion): PushStatus {
  // 3: created on the device, absent on the backend → written to the backend.
  //    (A pushed tombstone for an unknown id is stored too, so a late create
  //    from elsewhere cannot resurrect it.)
  if (current === undefined) return 'created';

  // Retries are idempotent: the backend already holds exactly this device's
  // version (same writer, same raw updatedAt). Checked before the tombstone
  // rule so a retried device delete reads `unchanged`, which the protocol allows.
  if (current.writer === incoming.writer && current.clientUpdatedAt === incoming.clientUpdatedAt) {
    return 'unchanged';
  }

  // 2c: deleted on the backend → the device deletes it, even if it edited it.
  //     Deletion is terminal: whatever the incoming updatedAt.
  if (current.deleted) return 'deleted';

  // 2b: backend newer → the device version is discarded. Ties keep the backend.
  if (incoming.updatedAt <= current.updatedAt) return 'stale';

  // 2a: backend older → the device version (an edit or a delete) is stored.
  return 'updated';
}

/** Whether a decision writes the incoming version. */
export function writes(status: PushStatus): boolean {
  return status === 'created' || status === 'updated';
}

/**
 * Clock-skew correction (docs/protocol.md, "How the server decides"). The device stamped `updatedAt` with its own
 * clock and sent `clientTime` from the same clock; the gap between the server's
 * receive time and `clientTime` is that clock's offset (plus the network
 * latency, which only ever makes a device version look slightly newer). The
 * result is clamped to the server's now: a device cannot win the future.
 */
export function effectiveUpdatedAt(deviceUpdatedAt: number, clientTime: number, serverReceiveTime: number): number {
  return Math.min(deviceUpdatedAt + (serverReceiveTime - clientTime), serverReceiveTime);
}

/**
 * Web writes always win (docs/protocol.md, "How the server decides"): stamped with the server clock, or one
 * millisecond past the version they replace when that one is ahead of it.
 */
export function webStamp(serverNow: number, current: StoredVersion | undefined): number {
  return current === undefined ? serverNow : Math.max(serverNow, current.updatedAt + 1);
}
