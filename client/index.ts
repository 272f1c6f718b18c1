// The reference sync client a mobile app embeds (no Node-only APIs here;
// the SQLite store lives in ./sqlite-store.ts for Node apps and tests).

export {
  AuthError,
  CancelledError,
  ConfigurationError,
  InvalidRecordError,
  NoSuchDiscardedEditError,
  OfflineError,
  ServerBusyError,
  StoreOwnedByAnotherError,
  StoreUnavailableError,
  SyncApiError,
  SyncError,
  type SyncErrorKind,
  TimeoutError,
  UnexpectedResponseError,
} from './errors.ts';
export { type Compressor, type Fetch, gzipStream, type RetryPolicy, type TokenSource } from './http.ts';
export { uuidGenerator } from './ids.ts';
export { type IndexedDbApi, IndexedDbStore } from './indexeddb-store.ts';
export {
  type BackendVersion,
  type Batch,
  type LocalRow,
  type LocalStore,
  MemoryStore,
  type RowKey,
  type StoredDiscardedEdit,
  type WireRecord,
} from './local-store.ts';
export { type SqlAsyncDatabase, SqlAsyncStore } from './sql-async-store.ts';
export { type ContractRunner, describeStoreContract } from './store-contract.ts';
export { SyncClient } from './sync-client.ts';
export type {
  ChangeEvent,
  CollectionName,
  CollectionPushResult,
  DiscardedEdit,
  LastError,
  LoginPushResult,
  Outcome,
  Phase,
  Progress,
  PushResult,
  RecordOf,
  Registry,
  Rejected,
  RepairResult,
  SyncClientOptions,
  SyncState,
  SyncStatus,
  SyncSummary,
  Tombstone,
  VerifyOptions,
  VerifyProgress,
  VerifyResult,
  VersionOf,
  Writer,
} from './types.ts';
export type { CollectionCheck, DifferingRange } from './verify.ts';
