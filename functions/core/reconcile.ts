// The reconcile rules, read top to bottom next to docs/protocol.md ("How the
// server decides") and the product's rules, numbered as they are.
// Pure: no AWS, no I/O. The store turns `decidePush` into one DynamoDB
// condition (store/records-store.ts) and uses `decidePush` again to read the
// losing version that DynamoDB hands back, so the rules live in one place.
import { createHash } from 'node:crypto';
import { MIN_TIMESTAMP_MS, type RecordFields } from '../../protocol/fields.ts';

/** A version as the backend holds it: the facts the rules look at. */
export type StoredVersion = {
  /** Effective `updatedAt`, on the server clock. */
  updatedAt: number;
  deleted: boolean;
  /** Who wrote it (core/identity.ts `writerKey`). */
  writer: string;
  /** The raw device `updatedAt`, kept so a retry can be recognised. */
  clientUpdatedAt?: number | undefined;
  /** A hash of the version's content (`contentHash`), kept with `clientUpdatedAt`. */
  contentHash?: string | undefined;
};

/** A version a device pushes, already skew-corrected. */
export type IncomingVersion = {
  updatedAt: number;
  deleted: boolean;
  writer: string;
  clientUpdatedAt: number;
  contentHash: string;
};

export type PushStatus = 'created' | 'updated' | 'unchanged' | 'stale' | 'deleted';

/**
 * Decides one pushed version against what the backend holds (`undefined`
 * when it holds nothing). Every branch is a row of the rules table.
 */
export function decidePush(current: StoredVersion | undefined, incoming: IncomingVersion): PushStatus {
  // 3: created on the device, absent on the backend → written to the backend.
  //    (A pushed tombstone for an unknown id is stored too, so a late create
  //    from elsewhere cannot resurrect it.)
  if (current === undefined) return 'created';

  // Retries are idempotent: the backend already holds exactly this version —
  // same device (user and deviceId), same raw updatedAt, same content. A
  // different version under a reused stamp is decided by the rules below.
  // Checked before the tombstone rule so a retried device delete reads
  // `unchanged`, which the protocol allows.
  if (isRetry(current, incoming)) return 'unchanged';

  // 2c: deleted on the backend → the device deletes it, even if it edited it.
  //     Deletion is terminal: whatever the incoming updatedAt.
  if (current.deleted) return 'deleted';

  // 2b: backend newer → the device version is discarded. Ties keep the backend.
  if (incoming.updatedAt <= current.updatedAt) return 'stale';

  // 2a: backend older → the device version (an edit or a delete) is stored.
  return 'updated';
}

export function isRetry(current: StoredVersion, incoming: IncomingVersion): boolean {
  return (
    current.writer === incoming.writer &&
    current.clientUpdatedAt === incoming.clientUpdatedAt &&
    current.contentHash === incoming.contentHash
  );
}

/** Whether a decision writes the incoming version. */
export function writes(status: PushStatus): boolean {
  return status === 'created' || status === 'updated';
}

/** The earliest effective `updatedAt`: a clock decades ahead cannot store a date before 2000. */
export const MIN_EFFECTIVE_UPDATED_AT = MIN_TIMESTAMP_MS + 1;

/**
 * Clock-skew correction. The device stamped `updatedAt` with its own clock
 * and sent `clientTime` from the same clock; the gap between the server's
 * receive time and `clientTime` is that clock's offset (plus the network
 * latency, which only ever makes a device version look slightly newer). The
 * result is clamped to the server's now (a device cannot win the future)
 * and from below to the year 2000 (nor store the distant past).
 */
export function effectiveUpdatedAt(deviceUpdatedAt: number, clientTime: number, serverReceiveTime: number): number {
  const corrected = deviceUpdatedAt + (serverReceiveTime - clientTime);
  return Math.max(MIN_EFFECTIVE_UPDATED_AT, Math.min(corrected, serverReceiveTime));
}

/**
 * Web writes always win: stamped with the server clock, or one millisecond
 * past the version they replace when that one is ahead of it.
 */
export function webStamp(serverNow: number, current: StoredVersion | undefined): number {
  return current === undefined ? serverNow : Math.max(serverNow, current.updatedAt + 1);
}

/**
 * What makes two versions the same content: the record's fields (key order
 * ignored) and whether it is a tombstone. 128 bits of SHA-256, base64url.
 */
export function contentHash(deleted: boolean, fields: RecordFields | undefined): string {
  return createHash('sha256')
    .update(canonicalJson({ deleted, fields: deleted ? null : (fields ?? {}) }))
    .digest('base64url')
    .slice(0, 22);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
