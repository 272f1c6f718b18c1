// The reference sync client a mobile app embeds (no Node-only APIs here;
// the SQLite store lives in ./sqlite-store.ts for Node apps and tests).
export {
  SyncClient,
  type SyncClientOptions,
  type SyncSummary,
  type Progress,
  type SyncStatus,
  type PushResult,
} from './sync-client.ts';
export { MemoryStore, type LocalStore, type LocalRow, type WireRecord, type Batch } from './local-store.ts';
export { SyncApiError, type Fetch, type RetryPolicy } from './http.ts';
