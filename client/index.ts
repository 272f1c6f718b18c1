// The reference sync client a mobile app embeds (no Node-only APIs here;
// the SQLite store lives in ./sqlite-store.ts for Node apps and tests).

export { type Fetch, type RetryPolicy, SyncApiError, type TokenSource } from './http.ts';
export { uuidGenerator } from './ids.ts';
export { type Batch, type LocalRow, type LocalStore, MemoryStore, type WireRecord } from './local-store.ts';
export {
  InvalidRecordError,
  type Progress,
  type PushResult,
  StoreOwnedByAnotherError,
  SyncClient,
  type SyncClientOptions,
  type SyncStatus,
  type SyncSummary,
} from './sync-client.ts';
