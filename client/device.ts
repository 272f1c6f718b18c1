// What the sync flows (sync-passes.ts, verify-repair.ts) are handed by the
// SyncClient: the store, the API, the clock, and the client's means of
// holding local edits off and of telling the app what changed. Also the
// keys the client keeps in the store's meta, and the reads every flow
// makes before it applies rules.
import { isCollectionName } from '../protocol/records.ts';
import type { Held } from './apply.ts';
import type { Request } from './http.ts';
import { keyOf, type LocalRow, type LocalStore, type RowKey } from './local-store.ts';
import type { ChangeEvent, SyncState } from './types.ts';

export type Device = {
  store: LocalStore;
  request: Request;
  deviceId: string;
  now: () => number;
  newId: () => string;
  /**
   * Runs `work` with local edits held off: the rules decide on rows that no
   * edit changes before their decision is stored.
   */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  /** Shows a change of state (phase, progress) to the app. */
  show: (patch: Partial<SyncState>) => void;
  /** Tells the app which records changed locally. */
  changed: (keys: RowKey[]) => void;
};

/** Meta keys the client keeps in the store: names, never positions (they persist). */
export const META = {
  cursor: 'cursor',
  snapshotMark: 'snapshotMark',
  editSeq: 'editSeq',
  lastStamp: 'lastStamp',
  owner: 'owner',
  lastSyncAt: 'lastSyncAt',
  lastPushAt: 'lastPushAt',
  lastVerifiedAt: 'lastVerifiedAt',
} as const;

/** The rows of `keys` and the discarded edits, read for the rules (apply.ts). */
export async function heldFor(store: LocalStore, keys: RowKey[]): Promise<Held> {
  const rows = new Map<string, LocalRow>();
  for (const key of keys) {
    if (rows.has(keyOf(key))) continue;
    const row = await store.get(key);
    if (row !== undefined) rows.set(keyOf(key), row);
  }
  const losses = new Map((await store.discarded()).map((d) => [keyOf(d), d]));
  return { row: (key) => rows.get(keyOf(key)), discarded: (key) => losses.get(keyOf(key)) };
}

/** Groups changed keys by collection, as the app's change listeners see them (rows of unknown collections aside). */
export function changeEvents(keys: RowKey[]): ChangeEvent[] {
  const byCollection = new Map<string, string[]>();
  for (const { collection, id } of keys) byCollection.set(collection, [...(byCollection.get(collection) ?? []), id]);
  return [...byCollection].flatMap(([collection, ids]) => (isCollectionName(collection) ? [{ collection, ids }] : []));
}
