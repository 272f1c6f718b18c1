// The sync rules (docs/protocol.md, "How the server decides") as a table. The unit test runs it against decidePush; the
// integration test runs it against DynamoDB's conditional write, so the
// condition expression and the pure rules cannot disagree.
import type { IncomingVersion, PushStatus, StoredVersion } from '../../functions/core/reconcile.ts';

export type ReconcileCase = {
  name: string;
  current?: StoredVersion;
  incoming: IncomingVersion;
  expected: PushStatus;
};

const T = 1_764_000_000_000;
/** Writers as stored (core/identity.ts): alice's iPad, another user on the same iPad, an Android, the web. */
export const IPAD = 'device#ipad-7#alice';
const BOB_ON_IPAD = 'device#ipad-7#bob';
const ANDROID = 'device#android-2#alice';
const WEB = 'web#alice';
/** Content hashes: the version pushed, and a different version. */
const SAME = 'hash-of-this-version';
const OTHER = 'hash-of-another-version';

const device = (updatedAt: number, extra: Partial<IncomingVersion> = {}): IncomingVersion => ({
  updatedAt,
  deleted: false,
  writer: IPAD,
  clientUpdatedAt: updatedAt,
  contentHash: SAME,
  ...extra,
});
const stored = (updatedAt: number, extra: Partial<StoredVersion> = {}): StoredVersion => ({
  updatedAt,
  deleted: false,
  writer: WEB,
  ...extra,
});

export const reconcileCases: ReconcileCase[] = [
  { name: 'rule 3: created on the device, absent on the backend', incoming: device(T), expected: 'created' },
  {
    name: 'rule 3: a device tombstone for an id the backend never had is stored',
    incoming: device(T, { deleted: true }),
    expected: 'created',
  },
  {
    name: 'rule 2a: backend older → device version stored',
    current: stored(T - 1),
    incoming: device(T),
    expected: 'updated',
  },
  {
    name: 'rule 2a: a device delete newer than the backend wins',
    current: stored(T - 1),
    incoming: device(T, { deleted: true }),
    expected: 'updated',
  },
  {
    name: 'rule 2b: backend newer → device version discarded',
    current: stored(T + 1),
    incoming: device(T),
    expected: 'stale',
  },
  {
    name: 'rule 2b: a newer web edit beats an older device delete',
    current: stored(T + 1),
    incoming: device(T, { deleted: true }),
    expected: 'stale',
  },
  { name: 'ties keep the backend', current: stored(T), incoming: device(T), expected: 'stale' },
  {
    name: 'ties keep the backend against another device too',
    current: stored(T, { writer: ANDROID, clientUpdatedAt: T }),
    incoming: device(T),
    expected: 'stale',
  },
  {
    name: 'rule 2c: backend tombstone → deleted, even for a newer device edit',
    current: stored(T - 1000, { deleted: true }),
    incoming: device(T),
    expected: 'deleted',
  },
  {
    name: 'rule 2c: deletion is terminal whatever the incoming updatedAt',
    current: stored(T - 1000, { deleted: true }),
    incoming: device(T + 10 ** 9),
    expected: 'deleted',
  },
  {
    name: 'rule 2c: a device tombstone against a backend tombstone',
    current: stored(T - 1000, { deleted: true }),
    incoming: device(T, { deleted: true }),
    expected: 'deleted',
  },
  {
    name: 'retry: same device, same raw updatedAt → unchanged, even with a newer effective time',
    current: stored(T, { writer: IPAD, contentHash: SAME, clientUpdatedAt: T - 5 }),
    incoming: device(T + 40, { clientUpdatedAt: T - 5 }),
    expected: 'unchanged',
  },
  {
    name: 'retry: same device, same raw updatedAt, older effective time → unchanged',
    current: stored(T, { writer: IPAD, contentHash: SAME, clientUpdatedAt: T - 5 }),
    incoming: device(T - 3, { clientUpdatedAt: T - 5 }),
    expected: 'unchanged',
  },
  {
    name: 'retry of a device delete the backend holds → unchanged',
    current: stored(T, { writer: IPAD, contentHash: SAME, clientUpdatedAt: T, deleted: true }),
    incoming: device(T + 12, { clientUpdatedAt: T, deleted: true }),
    expected: 'unchanged',
  },
  {
    name: 'same raw updatedAt from another device is not a retry',
    current: stored(T, { writer: ANDROID, clientUpdatedAt: T }),
    incoming: device(T + 1, { clientUpdatedAt: T }),
    expected: 'updated',
  },
  {
    name: 'a newer edit from the same device is not a retry',
    current: stored(T, { writer: IPAD, contentHash: SAME, clientUpdatedAt: T }),
    incoming: device(T + 1),
    expected: 'updated',
  },
  {
    name: 'a different version under a reused stamp is not a retry: decided by the rules (newer → updated)',
    current: stored(T, { writer: IPAD, clientUpdatedAt: T - 5, contentHash: OTHER }),
    incoming: device(T + 40, { clientUpdatedAt: T - 5 }),
    expected: 'updated',
  },
  {
    name: 'a different version under a reused stamp is not a retry: decided by the rules (older → stale)',
    current: stored(T, { writer: IPAD, clientUpdatedAt: T - 5, contentHash: OTHER }),
    incoming: device(T - 3, { clientUpdatedAt: T - 5 }),
    expected: 'stale',
  },
  {
    name: 'a delete under a reused stamp of a live version is not a retry',
    current: stored(T, { writer: IPAD, clientUpdatedAt: T - 5, contentHash: OTHER }),
    incoming: device(T + 1, { clientUpdatedAt: T - 5, deleted: true }),
    expected: 'updated',
  },
  {
    name: 'another user on the same iPad is another device: not a retry',
    current: stored(T, { writer: BOB_ON_IPAD, clientUpdatedAt: T, contentHash: SAME }),
    incoming: device(T + 1, { clientUpdatedAt: T }),
    expected: 'updated',
  },
];
