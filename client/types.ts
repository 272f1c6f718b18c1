// The SDK's public types: records typed per collection (from the
// protocol's registry), what each call returns, the state an app shows, and
// the options. The stores below them (local-store.ts) hold any collection's
// records alike.
import type * as z from 'zod';
import type { CollectionSpec, Issue, UpdatedBy } from '../protocol/fields.ts';
import type { CollectionName, RecordOf } from '../protocol/records.ts';
import type { PushResult, statusResponse } from '../protocol/responses.ts';
import type { SyncErrorKind } from './errors.ts';
import type { Compressor, Fetch, RetryPolicy, TokenSource } from './http.ts';
import type { LocalStore } from './local-store.ts';
import type { CollectionCheck } from './verify.ts';

export type { CollectionName, Issue, PushResult, RecordOf };

/** A deletion, as the device holds and pushes it. */
export type Tombstone = { id: string; updatedAt: number; deleted: true; updatedBy?: UpdatedBy | null };

/** A version of a record of collection `C`: live, or a deletion. */
export type VersionOf<C extends CollectionName> = RecordOf<C> | Tombstone;

/** Who wrote a version the backend holds (`deviceId` null: the Main App, web). */
export type Writer = UpdatedBy;

/** One of `T<C>` for each collection: a union a `switch (x.collection)` narrows. */
type ForEach<T extends { [C in CollectionName]: unknown }> = T[CollectionName];

/**
 * A local edit that lost (the rep's version, kept so the app can say what
 * replaced it and offer it back): `stale` when the backend held a version at
 * least as new, `deleted` when the backend had deleted the record.
 */
export type DiscardedEdit = ForEach<{
  [C in CollectionName]: {
    collection: C;
    id: string;
    reason: 'stale' | 'deleted';
    /** The rep's version that lost. */
    local: VersionOf<C>;
    /** The version that beat it: when it was written and, once a Sync Now has brought it, by whom and what it holds. */
    winner: { updatedAt: number; updatedBy: Writer | null; record: VersionOf<C> | null };
    /** Device clock when this device learned of it. */
    at: number;
  };
}>;

/** What happened to one pushed record: its status, the rep's version, and what the backend holds after it. */
export type Outcome = ForEach<{
  [C in CollectionName]: {
    collection: C;
    id: string;
    status: PushResult['status'];
    local: VersionOf<C>;
    server: { updatedAt: number } | null;
  };
}>;

/** A push result, with the collection of the record it answers (the same id may be in two collections). */
export type CollectionPushResult = PushResult & { collection: CollectionName };

/** A pending record the backend found invalid, with why: shown to the rep to fix. */
export type Rejected = { collection: CollectionName; id: string; issues: Issue[] };

/** Which records changed locally (an edit, or what a sync applied), so lists can refresh. */
export type ChangeEvent = { collection: CollectionName; ids: string[] };

export type SyncStatus = z.infer<typeof statusResponse>;
export type Progress = { pass: number; page: number; pulled: number; pushed: number };

export type LoginPushResult = { pushed: number; results: CollectionPushResult[]; outcomes: Outcome[] };

export type SyncSummary = {
  pushed: number;
  pulled: number;
  pages: number;
  reset: boolean;
  rejected: Rejected[];
  /** One per record this Sync Now pushed. */
  outcomes: Outcome[];
};

export type Phase = 'idle' | 'pushing' | 'pulling' | 'verifying' | 'repairing' | 'error';

/** While a verify or repair runs: which collection, how far, and what it found so far. */
export type VerifyProgress = {
  collection: CollectionName;
  /** Collections finished, of `collections`. */
  done: number;
  collections: number;
  /** Requests sent so far (verify requests, and list pages while repairing). */
  requests: number;
  /** Differing ranges found so far; while repairing, records stored or removed so far. */
  differing: number;
};

/** What a verify found: per collection, whether it matched and the small ranges that differ. */
export type VerifyResult = {
  matched: boolean;
  collections: CollectionCheck[];
  /**
   * Server time of the verify's first answer: when `matched`, every change
   * the backend held at that time is on this device. Kept as
   * `lastVerifiedAt` when matched.
   */
  serverTime: number;
  /** Verify requests sent. */
  requests: number;
};

/** What a repair changed; `after` is the verify that followed it. */
export type RepairResult = {
  /** Records the backend listed in the differing ranges. */
  fetched: number;
  /** Clean records stored (missing here, or held in another version or with other content). */
  stored: number;
  /** Clean records dropped: the backend no longer holds them. */
  removed: number;
  /** Pending edits whose backend version (kept for verify) was brought up to date; the edit and its base untouched. */
  noted: number;
  /** Each record stored or removed. */
  records: { collection: CollectionName; id: string; change: 'stored' | 'removed' }[];
  /** List pages fetched. */
  requests: number;
  after: VerifyResult;
};

export type VerifyOptions = {
  /** Parts per verify answer (2–64, default 16). */
  parts?: number;
  /** A differing range with at most this many backend records is fetched rather than split (default 32). */
  smallRange?: number;
  /** Verify requests in flight at once while narrowing down (default 4). */
  concurrency?: number;
};

/** The last failure, by kind (errors.ts): what the Account sync page says. */
export type LastError = { message: string; kind: SyncErrorKind | null; code: string | null };

/** What an app shows: kept locally, so the Account sync page works offline. */
export type SyncState = {
  phase: Phase;
  /** While a Sync Now runs: its pages and records so far. */
  progress: Progress | null;
  /** Server time of this device's last completed Sync Now and last push (login push or Sync Now). */
  lastSyncAt: number | null;
  lastPushAt: number | null;
  /** Local edits not on the backend yet, per collection (an edit that lost is a discarded edit instead). */
  unsent: Record<string, number>;
  /** Local edits that lost and are kept for the rep (discardedEdits()). */
  discarded: number;
  /** Server time of the last verify that found every collection matching the backend (after a repair too). */
  lastVerifiedAt: number | null;
  /** While a verify or repair runs. */
  verifyProgress: VerifyProgress | null;
  /** The last failure (`kind` from errors.ts; `code`, the API's, when it answered one); a cancel is none. */
  lastError: LastError | null;
};

/**
 * The collections as this app was built: each one's fields. The SDK
 * validates a saved record's known fields against these and carries the
 * others over (protocol §3, forward compatibility).
 */
export type Registry = { [C in CollectionName]: Pick<CollectionSpec<z.ZodObject>, 'fields'> };

export type SyncClientOptions = {
  /** The API's origin (and path prefix, if any): `https://api.example.com`; a trailing slash is fine. */
  baseUrl: string;
  deviceId: string;
  /**
   * The bearer token: a string, or a function asked before each request —
   * and once more with `{ refresh: true }` when the API answers 401.
   */
  token: TokenSource;
  store: LocalStore;
  /**
   * Who the store belongs to. A store holds one account's and one user's
   * data: another identity's pending edits are never pushed under this one
   * (the client refuses until `reset()`). Read from the token's claims
   * (`custom:accountId`, `sub`) when not given.
   */
  accountId?: string;
  userId?: string;
  /** The device clock (ms). Injectable so tests can skew it. */
  now?: () => number;
  /** Ids for new records; the default needs crypto.getRandomValues (it fails at construction without it). */
  newId?: () => string;
  fetch?: Fetch;
  /**
   * Gzips request bodies over 1 KiB (pushes, mostly); `null` sends them
   * plain. Default: the platform's CompressionStream where there is one.
   * Responses are decompressed by `fetch` itself, which offers the encodings
   * it can decode.
   */
  compress?: Compressor | null;
  retry?: Partial<RetryPolicy>;
  /** One request's time limit: a hung request is aborted and retried. */
  timeoutMs?: number;
  /** Records per Sync Now page (protocol/limits.ts: default and maximum). */
  pageSize?: number;
  /** Records per push request (at most the protocol's 1,000). */
  maxRecordsPerPush?: number;
  /** How verify narrows down a difference. */
  verify?: VerifyOptions;
  /**
   * The collections as this app was built (default: the SDK's own). An app
   * built before the backend added a field keeps that field unknown: it is
   * kept and sent back, never validated or erased.
   */
  collections?: Registry;
};
