// The reference sync client a mobile app embeds (no Node-only APIs here;
// the SQLite store lives in ./sqlite-store.ts for Node apps and tests).

export { type Fetch, type RetryPolicy, SyncApiError } from './http.ts';
export { type Batch, type LocalRow, type LocalStore, MemoryStore, type WireRecord } from './local-store.ts';
export {
  type Progress,
  type PushResult,
  SyncClient,
  type SyncClientOptions,
  type SyncStatus,
  type SyncSummary,
} from './sync-client.ts';
