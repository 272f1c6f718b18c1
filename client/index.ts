// The reference sync client a mobile app embeds (no Node-only APIs here;
// the SQLite store lives in ./sqlite-store.ts for Node apps and tests).

export { type Compressor, type Fetch, gzipStream, type RetryPolicy, SyncApiError, type TokenSource } from './http.ts';
export { uuidGenerator } from './ids.ts';
export { type IndexedDbApi, IndexedDbStore } from './indexeddb-store.ts';
export {
  type Batch,
  type DiscardedEdit,
  type LocalRow,
  type LocalStore,
  MemoryStore,
  type WireRecord,
  type Writer,
} from './local-store.ts';
export { type SqlAsyncDatabase, SqlAsyncStore } from './sql-async-store.ts';
export { type ContractRunner, describeStoreContract } from './store-contract.ts';
export {
  type ChangeEvent,
  type CollectionCheck,
  type DifferingRange,
  InvalidRecordError,
  type Outcome,
  type Phase,
  type Progress,
  type PushResult,
  type RepairResult,
  StoreOwnedByAnotherError,
  SyncClient,
  type SyncClientOptions,
  type SyncState,
  type SyncStatus,
  type SyncSummary,
  type VerifyOptions,
  type VerifyProgress,
  type VerifyResult,
} from './sync-client.ts';
