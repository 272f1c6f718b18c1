// The reference mobile sync client: local edits stay pending until the
// backend accepts them; loginPush() sends them and changes nothing else;
// syncNow() pushes them and pulls every change since the last sync, page by
// page, applying the protocol's client apply rules (docs/protocol.md). No
// Node-only APIs: fetch, an injectable clock, id generator and store.
import * as z from 'zod';
import {
  DEFAULT_PAGE_LIMIT,
  DEFAULT_VERIFY_PARTS,
  MAX_PAGE_LIMIT,
  MAX_RECORDS_PER_REQUEST,
  MAX_VERIFY_PARTS,
} from '../protocol/limits.ts';
import {
  type CollectionName,
  collectionNames,
  isCollectionName,
  parseDeviceChange,
  type RecordInput,
  type RecordOf,
} from '../protocol/records.ts';
import {
  type PushResult,
  pushResponse,
  statusResponse,
  type VerifyPart,
  type VerifyResponse,
  verifyResponse,
} from '../protocol/responses.ts';
import { routePath } from '../protocol/routes.ts';
import { VersionIndex } from './digest.ts';
import { type Compressor, createHttp, type Fetch, type RetryPolicy, SyncApiError, type TokenSource } from './http.ts';
import { uuidGenerator } from './ids.ts';
import {
  type Batch,
  type DiscardedEdit,
  type Issue,
  keyOf,
  type LocalRow,
  type LocalStore,
  versionOf,
  type WireRecord,
  type Writer,
} from './local-store.ts';
import { type CollectionCheck, type DifferingRange, inBatches, narrowDown } from './verify.ts';

const wireRecord = z.looseObject({ id: z.string(), updatedAt: z.number(), deleted: z.boolean().optional() });
/** Sync Now's response; its records pass through loosely (a newer server may add fields or a collection). */
const syncResponse = pushResponse.extend({
  changes: z.record(z.string(), z.array(wireRecord)),
  cursor: z.string(),
  hasMore: z.boolean(),
  reset: z.boolean(),
});
/** A page of the web list, its records passed through as loosely. */
const listPage = z.object({ records: z.array(wireRecord), cursor: z.string().nullable() });

export type { CollectionCheck, DifferingRange, PushResult };
export type SyncStatus = z.infer<typeof statusResponse>;
export type Progress = { pass: number; page: number; pulled: number; pushed: number };
/** What happened to one pushed record: its status, the rep's version, and what the backend holds after it. */
export type Outcome = {
  collection: string;
  id: string;
  status: PushResult['status'];
  local: WireRecord;
  server: { updatedAt: number } | null;
};

export type SyncSummary = {
  pushed: number;
  pulled: number;
  pages: number;
  reset: boolean;
  rejected: { collection: string; id: string; issues: Issue[] }[];
  /** One per record this Sync Now pushed. */
  outcomes: Outcome[];
};

export type Phase = 'idle' | 'pushing' | 'pulling' | 'verifying' | 'repairing' | 'error';

/** While a verify or repair runs: which collection, how far, and what it found so far. */
export type VerifyProgress = {
  collection: string;
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
  /** Clean records stored (missing here, or held in another version). */
  stored: number;
  /** Clean records dropped: the backend no longer holds them. */
  removed: number;
  /** Pending edits whose backend version was brought up to date (the edit itself untouched). */
  rebased: number;
  /** Each record stored or removed. */
  records: { collection: string; id: string; change: 'stored' | 'removed' }[];
  /** List pages fetched. */
  requests: number;
  after: VerifyResult;
};

export type VerifyOptions = {
  /** Parts per verify answer (1–64, default 16). */
  parts?: number;
  /** A differing range with at most this many backend records is fetched rather than split (default 32). */
  smallRange?: number;
  /** Verify requests in flight at once while narrowing down (default 4). */
  concurrency?: number;
};

/** What an app shows: kept locally, so the Account sync page works offline. */
export type SyncState = {
  phase: Phase;
  /** While a Sync Now runs: its pages and records so far. */
  progress: Progress | null;
  /** Server time of this device's last completed Sync Now and last push (login push or Sync Now). */
  lastSyncAt: number | null;
  lastPushAt: number | null;
  /** Local edits not on the backend yet, per collection. */
  unsent: Record<string, number>;
  /** Local edits that lost and are kept for the rep (discardedEdits()). */
  discarded: number;
  /** Server time of the last verify that found every collection matching the backend (after a repair too). */
  lastVerifiedAt: number | null;
  /** While a verify or repair runs. */
  verifyProgress: VerifyProgress | null;
  lastError: { message: string; code: string | null } | null;
};

/** Which records changed locally (an edit, or what a sync applied), so lists can refresh. */
export type ChangeEvent = { collection: string; ids: string[] };

export type SyncClientOptions = {
  baseUrl: string;
  deviceId: string;
  /** The bearer token; called with `{ refresh: true }` once when the API answers 401. */
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
};

/** A record the app tried to save does not fit its collection's schema: nothing was stored. */
export class InvalidRecordError extends Error {
  constructor(
    readonly collection: string,
    readonly issues: Issue[],
  ) {
    super(`invalid ${collection} record: ${issues.map((i) => `${i.path || '(record)'} ${i.message}`).join('; ')}`);
    this.name = 'InvalidRecordError';
  }
}

/** The store holds another account's or user's data: call `reset()` to discard it, or use another store. */
export class StoreOwnedByAnotherError extends Error {
  constructor() {
    super("this device's store belongs to another account or user; reset() discards it");
    this.name = 'StoreOwnedByAnotherError';
  }
}

/**
 * UTF-8 bytes of records per push: what Lambda can take of an uncompressed
 * body once escaped into its event (the server's 5 MiB holds only for compact
 * JSON) — about 2 MiB keeps any text safe.
 */
const PUSH_BODY_BUDGET = 2 * 1024 * 1024;
const CURSOR = 'cursor';
const SNAPSHOT_MARK = 'snapshotMark';
const EDIT_SEQ = 'editSeq';
const LAST_STAMP = 'lastStamp';
const OWNER = 'owner';
const LAST_SYNC = 'lastSyncAt';
const LAST_PUSH = 'lastPushAt';
const LAST_VERIFIED = 'lastVerifiedAt';
const SMALL_RANGE = 32;
const VERIFY_CONCURRENCY = 4;

/** One push-and-pull pass of a Sync Now. */
type Pass = {
  /** The rows this pass pushes (with its first page). */
  chunk: LocalRow[];
  /** The edit counter when the Sync Now started: later edits stay pending. */
  startSeq: number;
  /** Rows this Sync Now has pushed so far. */
  sent: Set<string>;
  summary: SyncSummary;
  progress: (page: number) => void;
  signal: AbortSignal | undefined;
};

type PageBatch = { put: LocalRow[]; remove: NonNullable<Batch['remove']>; discard: DiscardedEdit[] };

export class SyncClient {
  private readonly request: ReturnType<typeof createHttp>;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly maxRecords: number;
  /** One sync at a time per device: calls queue behind each other. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Local edits one at a time: each reads and bumps the edit counter. */
  private edits: Promise<unknown> = Promise.resolve();
  private state: SyncState = {
    phase: 'idle',
    progress: null,
    lastSyncAt: null,
    lastPushAt: null,
    unsent: {},
    discarded: 0,
    lastVerifiedAt: null,
    verifyProgress: null,
    lastError: null,
  };
  private readonly listeners = new Set<(state: SyncState) => void>();
  private readonly changeListeners = new Set<(change: ChangeEvent) => void>();

  constructor(private readonly options: SyncClientOptions) {
    this.request = createHttp({
      baseUrl: options.baseUrl,
      token: options.token,
      fetch: options.fetch,
      compress: options.compress,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
    });
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? uuidGenerator();
    this.maxRecords = Math.min(options.maxRecordsPerPush ?? MAX_RECORDS_PER_REQUEST, MAX_RECORDS_PER_REQUEST);
    const { parts = DEFAULT_VERIFY_PARTS, smallRange = 1, concurrency = 1 } = options.verify ?? {};
    if (
      ![parts, smallRange, concurrency].every(Number.isInteger) ||
      parts < 2 ||
      parts > MAX_VERIFY_PARTS ||
      smallRange < 1 ||
      concurrency < 1
    ) {
      throw new RangeError(
        `verify options: parts must be 2–${MAX_VERIFY_PARTS}, smallRange and concurrency at least 1`,
      );
    }
  }

  // ── Local data ─────────────────────────────────────────────────────────

  /**
   * Creates (no id) or edits a record locally; it is pending until pushed.
   * Returns its id. An unknown collection or invalid fields throw here, so a
   * bad record never enters the queue to block the ones behind it.
   */
  async save<C extends CollectionName>(collection: C, fields: RecordInput<C>): Promise<string> {
    const { id = this.newId(), ...rest } = fields as Record<string, unknown> & { id?: string };
    const { updatedAt: _u, deleted: _d, updatedBy: _b, ...own } = rest;
    const checked = parseDeviceChange(knownCollection(collection), { ...own, id, updatedAt: this.now() });
    if (!checked.ok) throw new InvalidRecordError(collection, checked.issues);
    await this.edit(collection, id, (updatedAt) => ({ ...own, id, updatedAt }));
    return id;
  }

  /** Deletes a record locally; the deletion is pushed like any edit. */
  async remove(collection: CollectionName, id: string): Promise<void> {
    knownCollection(collection);
    await this.edit(collection, id, (updatedAt) => ({ id, updatedAt, deleted: true }));
  }

  async get<C extends CollectionName>(collection: C, id: string): Promise<RecordOf<C> | undefined> {
    const row = await this.options.store.get({ collection, id });
    return row && !row.record.deleted ? (row.record as RecordOf<C>) : undefined;
  }

  /** Live records of a collection, as the app shows them. */
  async list<C extends CollectionName>(collection: C): Promise<RecordOf<C>[]> {
    return (await this.options.store.list(collection))
      .filter((r) => !r.record.deleted)
      .map((r) => r.record as RecordOf<C>);
  }

  /** Records the backend rejected, with why: the app shows them to the rep to fix. */
  async rejected(): Promise<{ collection: string; id: string; issues: Issue[] }[]> {
    return (await this.options.store.list())
      .filter((r) => r.issues !== null)
      .map((r) => ({ collection: r.collection, id: r.id, issues: r.issues! }));
  }

  // ── What the app shows ─────────────────────────────────────────────────

  /** The current state (the same object until something changes: safe for React's useSyncExternalStore). */
  getState = (): SyncState => this.state;

  /** Calls `listener` on every change of state; returns the unsubscribe function. */
  subscribe = (listener: (state: SyncState) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Calls `listener` with the records each edit or sync changed locally; returns the unsubscribe function. */
  onChange(listener: (change: ChangeEvent) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Reads the stored state (last sync and push, unsent edits, discarded edits): call once at app start. */
  async refresh(): Promise<SyncState> {
    const { store } = this.options;
    const unsent: Record<string, number> = {};
    for (const row of await store.pending()) unsent[row.collection] = (unsent[row.collection] ?? 0) + 1;
    const number = async (key: string) => {
      const value = await store.meta(key);
      return value === null ? null : Number(value);
    };
    this.setState({
      lastSyncAt: await number(LAST_SYNC),
      lastPushAt: await number(LAST_PUSH),
      lastVerifiedAt: await number(LAST_VERIFIED),
      unsent,
      discarded: (await store.discarded()).length,
    });
    return this.state;
  }

  private setState(patch: Partial<SyncState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }

  private changed(rows: { collection: string; id: string }[]): void {
    const byCollection = new Map<string, string[]>();
    for (const { collection, id } of rows) byCollection.set(collection, [...(byCollection.get(collection) ?? []), id]);
    for (const [collection, ids] of byCollection)
      for (const listener of this.changeListeners) listener({ collection, ids });
  }

  /** Runs a sync operation with its phase shown, its failure kept, and the stored state re-read after. */
  private async observed<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    this.setState({ phase, progress: null, verifyProgress: null });
    try {
      const result = await work();
      this.setState({ phase: 'idle', progress: null, verifyProgress: null, lastError: null });
      return result;
    } catch (error) {
      this.setState({
        phase: 'error',
        progress: null,
        verifyProgress: null,
        lastError: {
          message: error instanceof Error ? error.message : String(error),
          code: error instanceof SyncApiError ? error.code : null,
        },
      });
      throw error;
    } finally {
      await this.refresh().catch(() => undefined);
    }
  }

  // ── Discarded edits ────────────────────────────────────────────────────

  /** Every local edit that lost, with the version that beat it and who wrote that one. */
  discardedEdits(): Promise<DiscardedEdit[]> {
    return this.options.store.discarded();
  }

  /**
   * Offers a lost edit back: a `stale` one becomes a new local edit of the
   * record over the winner; a `deleted` one a new record with a new id
   * (deletion is terminal). Returns the record's id.
   */
  async restore(collection: string, id: string): Promise<string> {
    const edit = (await this.options.store.discarded()).find((d) => d.collection === collection && d.id === id);
    if (edit === undefined) throw new Error(`no discarded edit of ${collection} ${id}`);
    const { id: _id, updatedAt: _u, deleted: _d, updatedBy: _b, ...fields } = edit.local;
    const restored = await this.save(
      knownCollection(collection),
      (edit.reason === 'deleted' ? fields : { ...fields, id }) as RecordInput<CollectionName>,
    );
    await this.options.store.apply({ forget: [{ collection, id }] });
    await this.refresh();
    return restored;
  }

  /** Forgets a lost edit: the backend's version stands. */
  async dismiss(collection: string, id: string): Promise<void> {
    await this.options.store.apply({ forget: [{ collection, id }] });
    await this.refresh();
  }

  /**
   * Empties the store — pending edits, cursor, everything — and releases it
   * from its account and user: what an app calls to hand the device to
   * someone else. The next Sync Now is a full snapshot.
   */
  reset(): Promise<void> {
    return this.serial(() =>
      this.editing(async () => {
        const { store } = this.options;
        const rows = await store.list();
        const lost = await store.discarded();
        await store.apply({
          remove: rows.map(({ collection, id }) => ({ collection, id })),
          forget: lost.map(({ collection, id }) => ({ collection, id })),
          meta: {
            [CURSOR]: null,
            [SNAPSHOT_MARK]: null,
            [OWNER]: null,
            [LAST_SYNC]: null,
            [LAST_PUSH]: null,
            [LAST_VERIFIED]: null,
          },
        });
        await this.refresh();
      }),
    );
  }

  /**
   * Stamps and stores a local edit. The backend recognises a retry by
   * (device, updatedAt, content), so this device never stamps two versions
   * with the same updatedAt, nor goes backwards when its clock is set back:
   * each stamp is max(clock, previous stamp + 1). The row keeps the
   * backend version it was based on (none for a new record).
   */
  private edit(collection: string, id: string, version: (updatedAt: number) => WireRecord): Promise<void> {
    return this.editing(async () => {
      const { store } = this.options;
      await this.claimStore();
      const seq = Number((await store.meta(EDIT_SEQ)) ?? 0) + 1;
      const stamp = Math.max(this.now(), Number((await store.meta(LAST_STAMP)) ?? 0) + 1);
      const before = await store.get({ collection, id });
      const row: LocalRow = {
        collection,
        id,
        record: version(stamp),
        pending: true,
        editSeq: seq,
        issues: null,
        mark: null,
        base: before === undefined ? null : versionOf(before),
      };
      await store.apply({ put: [row], meta: { [EDIT_SEQ]: String(seq), [LAST_STAMP]: String(stamp) } });
      this.changed([row]);
    });
  }

  /** Runs local edits one after another, whatever the app awaits. */
  private editing<T>(work: () => Promise<T>): Promise<T> {
    const run = this.edits.then(work, work);
    this.edits = run.catch(() => undefined);
    return run;
  }

  /**
   * Binds the store to this client's account and user on first use, and
   * refuses a store that belongs to someone else: their pending edits stay
   * theirs (or go with `reset()`), never pushed under this identity.
   */
  private async claimStore(): Promise<void> {
    const { store } = this.options;
    const me = await this.identity();
    const owner = await store.meta(OWNER);
    if (owner === null) await store.apply({ meta: { [OWNER]: me } });
    else if (owner !== me) throw new StoreOwnedByAnotherError();
  }

  private async identity(): Promise<string> {
    const { accountId: given, userId: givenUser } = this.options;
    const claims = given !== undefined && givenUser !== undefined ? {} : claimsOf(await this.options.token());
    const accountId = given ?? claims['custom:accountId'];
    const userId = givenUser ?? claims.sub;
    if (typeof accountId !== 'string' || typeof userId !== 'string') {
      throw new Error('SyncClient needs accountId and userId, or a token that carries custom:accountId and sub');
    }
    return JSON.stringify([accountId, userId]);
  }

  // ── Login push ─────────────────────────────────────────────────────────

  /** Sends every pending change; never changes the device's data from the web. */
  loginPush(
    options: { signal?: AbortSignal } = {},
  ): Promise<{ pushed: number; results: PushResult[]; outcomes: Outcome[] }> {
    return this.serial(() => this.observed('pushing', () => this.pushAll(options.signal)));
  }

  private async pushAll(signal: AbortSignal | undefined) {
    {
      await this.claimStore();
      const all: PushResult[] = [];
      const outcomes: Outcome[] = [];
      for (const chunk of chunks(await this.options.store.pending(), this.maxRecords)) {
        const response = await this.request(
          'POST',
          routePath('SyncPush'),
          pushResponse,
          { deviceId: this.options.deviceId, clientTime: this.now(), changes: group(chunk) },
          signal,
        );
        const batch = await this.acknowledge(chunk, response.results, null);
        await this.options.store.apply({ ...batch, meta: { [LAST_PUSH]: String(response.serverTime) } });
        all.push(...Object.values(response.results).flat());
        outcomes.push(...outcomesOf(chunk, response.results));
      }
      return { pushed: all.length, results: all, outcomes };
    }
  }

  // ── Sync Now ───────────────────────────────────────────────────────────

  /**
   * Pushes pending changes and pulls every change since the last sync. Edits
   * made while it runs stay pending for the next one. The cursor is stored
   * with each page's changes, so an interrupted sync resumes where it stopped.
   */
  syncNow(onProgress?: (progress: Progress) => void, options: { signal?: AbortSignal } = {}): Promise<SyncSummary> {
    return this.serial(() => this.observed('pushing', () => this.sync(onProgress, options.signal)));
  }

  private async sync(onProgress: ((progress: Progress) => void) | undefined, signal: AbortSignal | undefined) {
    {
      const { store } = this.options;
      await this.claimStore();
      const startSeq = Number((await store.meta(EDIT_SEQ)) ?? 0);
      const summary: SyncSummary = { pushed: 0, pulled: 0, pages: 0, reset: false, rejected: [], outcomes: [] };
      // Rows pushed by this Sync Now so far: only they may be settled by what a page brings.
      const sent = new Set<string>();
      for (let pass = 1; ; pass++) {
        // Everything pending when the sync started, in requests within the limits.
        const toPush = (await store.pending()).filter((r) => r.editSeq <= startSeq && !sent.has(keyOf(r)));
        const [chunk = []] = chunks(toPush, this.maxRecords);
        for (const r of chunk) sent.add(keyOf(r));
        const progress = (page: number) => {
          const now = { pass, page, pulled: summary.pulled, pushed: summary.pushed };
          this.setState({ phase: 'pulling', progress: now });
          onProgress?.(now);
        };
        await this.passRecovering({ chunk, startSeq, sent, summary, progress, signal });
        if (toPush.length <= chunk.length) break;
      }
      return summary;
    }
  }

  /**
   * A pass; on BAD_CURSOR (the key was rotated, or the cursor is another
   * account's) the cursor is dropped and the pass runs again as a snapshot.
   */
  private async passRecovering(pass: Pass): Promise<void> {
    try {
      await this.pass(pass);
    } catch (error) {
      if (!(error instanceof SyncApiError) || error.code !== 'BAD_CURSOR') throw error;
      await this.options.store.apply({ meta: { [CURSOR]: null, [SNAPSHOT_MARK]: null } });
      await this.pass(pass);
    }
  }

  private async pass({ chunk, startSeq, sent, summary, progress, signal }: Pass): Promise<void> {
    const { store, deviceId } = this.options;
    let cursor = await store.meta(CURSOR);
    let mark = await store.meta(SNAPSHOT_MARK);
    if (cursor === null && mark === null) mark = this.newId(); // a first sync is a snapshot
    for (let page = 1; ; page++) {
      const response = await this.request(
        'POST',
        routePath('SyncNow'),
        syncResponse,
        {
          deviceId,
          clientTime: this.now(),
          cursor,
          limit: this.options.pageSize ?? DEFAULT_PAGE_LIMIT,
          ...(page === 1 && chunk.length > 0 ? { changes: group(chunk) } : {}),
        },
        signal,
      );
      if (response.reset && mark === null) mark = this.newId();
      summary.reset ||= response.reset;
      const batch: PageBatch =
        page === 1 ? await this.acknowledge(chunk, response.results, mark) : { put: [], remove: [], discard: [] };
      if (page === 1) {
        summary.rejected.push(...rejectedIn(chunk, response.results));
        summary.outcomes.push(...outcomesOf(chunk, response.results));
      }
      await this.receive(response.changes, startSeq, sent, mark, batch);
      // The page's changes and the cursor after it, in one atomic write; the
      // last page of a snapshot also drops clean rows the snapshot did not hold.
      const serverTime = String(response.serverTime);
      await store.apply({
        ...batch,
        meta: {
          [CURSOR]: response.cursor,
          [SNAPSHOT_MARK]: response.hasMore ? mark : null,
          ...(page === 1 && chunk.length > 0 ? { [LAST_PUSH]: serverTime } : {}),
          ...(response.hasMore ? {} : { [LAST_SYNC]: serverTime }),
        },
        ...(!response.hasMore && mark !== null ? { sweepUnmarked: mark } : {}),
      });
      this.changed([...batch.put, ...batch.remove]);
      summary.pages += 1;
      summary.pushed += page === 1 ? chunk.length : 0;
      summary.pulled += Object.values(response.changes).reduce((n, list) => n + list.length, 0);
      progress(page);
      if (!response.hasMore) return;
      cursor = response.cursor;
    }
  }

  /**
   * The protocol's apply rules for one page of pulled changes, added to
   * `batch`. A pending edit this Sync Now has not pushed (made during it, or
   * waiting for a later chunk) is never overwritten: it goes out and is
   * decided by the server like any other.
   */
  private async receive(
    changes: Record<string, WireRecord[]>,
    startSeq: number,
    sent: Set<string>,
    mark: string | null,
    batch: PageBatch,
  ): Promise<void> {
    for (const [collection, records] of Object.entries(changes)) {
      for (const record of records) {
        const local =
          batch.put.find((r) => r.collection === collection && r.id === record.id) ??
          (await this.options.store.get({ collection, id: record.id }));
        // A local edit that loses to this version: one this Sync Now pushed and the backend beat,
        // or any the backend's tombstone deletes (2c).
        const pushedAndBeaten = local !== undefined && local.editSeq <= startSeq && sent.has(keyOf(local));
        if (local?.pending && !sameVersion(local.record, record) && (record.deleted || pushedAndBeaten)) {
          batch.discard.push(discardedBy(collection, local.record, record, this.now()));
        }
        // 2c: a tombstone deletes the local copy, edited or not.
        if (record.deleted) {
          // Guarded: an edit the rep makes after this read survives, goes out, and comes back `deleted`.
          batch.remove.push({ collection, id: record.id, ifEditSeqAtMost: local?.editSeq ?? 0 });
          batch.put = batch.put.filter((r) => !(r.collection === collection && r.id === record.id));
          continue;
        }
        if (local?.pending && (local.editSeq > startSeq || !sent.has(keyOf(local)))) {
          // Kept as edited; it has now seen this backend version, which verify compares it by.
          if (mark !== null || local.base !== record.updatedAt) {
            batch.put = batch.put.filter((r) => !(r.collection === collection && r.id === record.id));
            batch.put.push({ ...local, mark: mark ?? local.mark, base: record.updatedAt });
          }
          continue;
        }
        // 1: not held → store it; 2b: otherwise the backend's version replaces the local one.
        batch.put = batch.put.filter((r) => !(r.collection === collection && r.id === record.id));
        batch.put.push(backendRow(collection, record, local, mark));
      }
    }
  }

  /**
   * Applies push results to the rows that were sent, unless edited again
   * since, and notes the backend's version of each: an accepted row is clean
   * at the backend's (skew-corrected) updatedAt — its record keeps the rep's
   * stamp, since a login push changes nothing shown — a beaten one stays
   * pending over the version that beat it, and one the backend deleted is no
   * longer in its view.
   */
  private async acknowledge(
    sent: LocalRow[],
    byCollection: Record<string, PushResult[]>,
    mark: string | null,
  ): Promise<PageBatch> {
    const batch: PageBatch = { put: [], remove: [], discard: [] };
    for (const [collection, list] of Object.entries(byCollection)) {
      const rows = sent.filter((r) => r.collection === collection); // results come in request order
      for (const [index, result] of list.entries()) {
        const row = rows[index];
        if (row === undefined) continue;
        const latest = await this.options.store.get(row);
        if ((latest?.editSeq ?? 0) > row.editSeq) continue; // a newer local edit stays pending
        switch (result.status) {
          case 'created':
          case 'updated':
          case 'unchanged':
            if (row.record.deleted) batch.remove.push({ collection, id: row.id, ifEditSeqAtMost: row.editSeq });
            else
              batch.put.push({ ...row, pending: false, issues: null, mark: mark ?? row.mark, base: result.updatedAt });
            break;
          case 'invalid':
            batch.put.push({ ...row, issues: result.issues ?? [] });
            break;
          case 'stale':
          case 'deleted':
            // Lost. It stays pending (a login push changes nothing); Sync Now brings the winner,
            // and with it who wrote it. Until then the rep's version is kept with when it lost.
            batch.put.push({ ...row, base: result.status === 'stale' ? result.updatedAt : null });
            batch.discard.push({
              collection,
              id: row.id,
              reason: result.status,
              local: row.record,
              winner: { updatedAt: result.updatedAt ?? 0, updatedBy: null, record: null },
              at: this.now(),
            });
            break;
        }
      }
    }
    return batch;
  }

  // ── Account sync page ──────────────────────────────────────────────────

  status(options: { signal?: AbortSignal } = {}): Promise<SyncStatus> {
    return this.request(
      'GET',
      `${routePath('SyncStatus')}?deviceId=${encodeURIComponent(this.options.deviceId)}`,
      statusResponse,
      undefined,
      options.signal,
    );
  }

  // ── Verify and repair ──────────────────────────────────────────────────

  /**
   * Proves this device holds what the backend holds, or finds where not:
   * per collection, the backend's count and digest of id ranges against the
   * same over the device's view of the backend (clean records as received,
   * pending ones at the backend version they were based on), narrowed down
   * to small differing ranges (client/verify.ts). Writes nothing but
   * `lastVerifiedAt` when every collection matched. Queued with Sync Now.
   */
  verify(
    options: { signal?: AbortSignal; onProgress?: (progress: VerifyProgress) => void } = {},
  ): Promise<VerifyResult> {
    return this.serial(() =>
      this.observed('verifying', async () => {
        await this.claimStore();
        return this.verifyAll(options.signal, options.onProgress);
      }),
    );
  }

  /**
   * Fetches the differing ranges of `result` (a fresh verify when not
   * given) through the web list's `from`/`to` and stores them as clean
   * records; drops clean records of those ranges the backend no longer
   * holds. A pending edit is never changed — only the backend version it is
   * based on is brought up to date, as a Sync Now would — and an edit made
   * while this runs wins (the store's edit counter guard). Then verifies
   * again (`after`), keeping `lastVerifiedAt` if everything matches. Queued
   * with Sync Now.
   */
  repair(
    result?: VerifyResult,
    options: { signal?: AbortSignal; onProgress?: (progress: VerifyProgress) => void } = {},
  ): Promise<RepairResult> {
    const { signal, onProgress } = options;
    return this.serial(() =>
      this.observed('repairing', async () => {
        await this.claimStore();
        const found = result ?? (await this.verifyAll(signal, onProgress));
        const repaired = await this.repairRanges(found, signal, onProgress);
        this.setState({ phase: 'verifying' });
        return { ...repaired, after: await this.verifyAll(signal, onProgress) };
      }),
    );
  }

  private async verifyAll(
    signal: AbortSignal | undefined,
    onProgress: ((progress: VerifyProgress) => void) | undefined,
  ): Promise<VerifyResult> {
    const { store, deviceId } = this.options;
    const settings = this.options.verify ?? {};
    let requests = 0;
    let serverTime: number | null = null;
    let differing = 0;
    const checks: CollectionCheck[] = [];
    for (const [done, collection] of collectionNames.entries()) {
      const report = () => {
        const progress = { collection, done, collections: collectionNames.length, requests, differing };
        this.setState({ verifyProgress: progress });
        onProgress?.(progress);
      };
      report();
      const view = new VersionIndex(
        (await store.list(collection)).flatMap((row) => {
          const updatedAt = versionOf(row);
          return updatedAt === null ? [] : [{ id: row.id, updatedAt }];
        }),
      );
      const ask = async (from: string | null, to: string | null): Promise<VerifyPart[]> => {
        const parts: VerifyPart[] = [];
        let cursor: string | null = null;
        do {
          const page: VerifyResponse = await this.request(
            'POST',
            routePath('SyncVerify'),
            verifyResponse,
            { deviceId, collection, from, to, parts: settings.parts ?? DEFAULT_VERIFY_PARTS, cursor },
            signal,
          );
          requests += 1;
          serverTime ??= page.serverTime;
          parts.push(...page.parts);
          cursor = page.cursor;
          report();
        } while (cursor !== null);
        return parts;
      };
      const check = await narrowDown(collection, view, ask, {
        smallRange: settings.smallRange ?? SMALL_RANGE,
        concurrency: settings.concurrency ?? VERIFY_CONCURRENCY,
      });
      differing += check.differing.length;
      checks.push(check);
    }
    const matched = checks.every((c) => c.matched);
    const at = serverTime ?? this.now();
    if (matched) await store.apply({ meta: { [LAST_VERIFIED]: String(at) } });
    return { matched, collections: checks, serverTime: at, requests };
  }

  private async repairRanges(
    found: VerifyResult,
    signal: AbortSignal | undefined,
    onProgress: ((progress: VerifyProgress) => void) | undefined,
  ): Promise<Omit<RepairResult, 'after'>> {
    const { store } = this.options;
    // Mid-snapshot, a repaired row counts as delivered by it: the sweep at its end keeps it.
    const snapshot = await store.meta(SNAPSHOT_MARK);
    const out: Omit<RepairResult, 'after'> = {
      fetched: 0,
      stored: 0,
      removed: 0,
      rebased: 0,
      records: [],
      requests: 0,
    };
    const checks = found.collections.filter((c) => c.differing.length > 0);
    const concurrency = this.options.verify?.concurrency ?? VERIFY_CONCURRENCY;
    for (const [done, { collection, differing }] of checks.entries()) {
      const rows = await store.list(collection);
      const progress = {
        collection,
        done,
        collections: checks.length,
        requests: out.requests,
        differing: out.records.length,
      };
      this.setState({ verifyProgress: progress });
      onProgress?.(progress);
      // The ranges' records, several requests in flight (each waits a round trip); then applied range by range.
      const listed = await inBatches(differing, concurrency, (range) =>
        this.listRange(collection, range, signal, () => (out.requests += 1)),
      );
      for (const [r, range] of differing.entries()) {
        const records = listed[r]!;
        out.fetched += records.length;
        const held = new Map(rows.filter((r) => inRange(r.id, range)).map((r) => [r.id, r]));
        const batch: Required<Pick<Batch, 'put' | 'remove'>> = { put: [], remove: [] };
        const rebase = (row: LocalRow, base: number | null) => {
          if (row.base === base) return;
          batch.put.push({ ...row, base });
          out.rebased += 1;
        };
        for (const record of records) {
          const local = held.get(record.id);
          held.delete(record.id);
          if (local?.pending) rebase(local, record.updatedAt);
          // A different version, or the same version holding other fields (which no digest can see). Not a
          // difference: this device's own acknowledged push, kept at the rep's stamp without `updatedBy`.
          else if (local === undefined || versionOf(local) !== record.updatedAt || !sameFields(local.record, record)) {
            batch.put.push(backendRow(collection, record, local, snapshot ?? local?.mark ?? null));
            out.records.push({ collection, id: record.id, change: 'stored' });
          }
        }
        // What is left the backend does not hold (live) in this range.
        for (const local of held.values()) {
          if (local.pending) rebase(local, null);
          else {
            batch.remove.push({ collection, id: local.id, ifEditSeqAtMost: local.editSeq });
            out.records.push({ collection, id: local.id, change: 'removed' });
          }
        }
        await store.apply(batch);
        this.changed([...batch.put, ...batch.remove]);
      }
    }
    out.stored = out.records.filter((r) => r.change === 'stored').length;
    out.removed = out.records.length - out.stored;
    return out;
  }

  /** Every live record of `[from, to)`, through the web list (all its pages). */
  private async listRange(
    collection: string,
    { from, to }: { from: string | null; to: string | null },
    signal: AbortSignal | undefined,
    counted: () => void,
  ): Promise<WireRecord[]> {
    const records: WireRecord[] = [];
    let cursor: string | null = null;
    do {
      const query: string = [
        `limit=${MAX_PAGE_LIMIT}`,
        ...(from === null ? [] : [`from=${encodeURIComponent(from)}`]),
        ...(to === null ? [] : [`to=${encodeURIComponent(to)}`]),
        ...(cursor === null ? [] : [`cursor=${encodeURIComponent(cursor)}`]),
      ].join('&');
      const page: z.infer<typeof listPage> = await this.request(
        'GET',
        `${routePath('RecordsList', { collection })}?${query}`,
        listPage,
        undefined,
        signal,
      );
      counted();
      records.push(...page.records);
      cursor = page.cursor;
    } while (cursor !== null);
    return records;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function knownCollection(collection: string): CollectionName {
  if (!isCollectionName(collection))
    throw new InvalidRecordError(collection, [{ path: '', message: 'unknown collection' }]);
  return collection;
}

/** The rows of a push the backend rejected, with its issues. */
function rejectedIn(chunk: LocalRow[], byCollection: Record<string, PushResult[]>) {
  return Object.entries(byCollection).flatMap(([collection, list]) => {
    const rows = chunk.filter((r) => r.collection === collection);
    return list.flatMap((result, index) =>
      result.status === 'invalid' && rows[index]
        ? [{ collection, id: rows[index].id, issues: result.issues ?? [] }]
        : [],
    );
  });
}

function group(rows: LocalRow[]): Record<string, WireRecord[]> {
  const out: Record<string, WireRecord[]> = {};
  for (const row of rows) {
    out[row.collection] ??= [];
    out[row.collection]!.push(row.record);
  }
  return out;
}

const utf8 = new TextEncoder();

/** Splits rows into requests of at most `maxRecords` records and PUSH_BODY_BUDGET bytes of UTF-8. */
function chunks(rows: LocalRow[], maxRecords: number): LocalRow[][] {
  const out: LocalRow[][] = [];
  let current: LocalRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = utf8.encode(JSON.stringify(row.record)).length;
    if (current.length > 0 && (current.length >= maxRecords || bytes + size > PUSH_BODY_BUDGET)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A JWT's claims, read without verifying it (the server verifies; the client only needs to know whose store this is). */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

/** The outcome of each pushed row, in request order. */
function outcomesOf(chunk: LocalRow[], byCollection: Record<string, PushResult[]>): Outcome[] {
  return Object.entries(byCollection).flatMap(([collection, list]) => {
    const rows = chunk.filter((r) => r.collection === collection);
    return list.flatMap((result, index) => {
      const row = rows[index];
      if (row === undefined) return [];
      const server = result.status === 'invalid' ? null : { updatedAt: result.updatedAt };
      return [{ collection, id: row.id, status: result.status, local: row.record, server }];
    });
  });
}

/** Whether `id` lies in `[from, to)` (null: unbounded), ids compared as the protocol does. */
function inRange(id: string, { from, to }: { from: string | null; to: string | null }): boolean {
  return (from === null || id >= from) && (to === null || id < to);
}

/** The same fields and values, whatever order the keys came in. */
/** The same record content, whatever each copy says of when and by whom it was written. */
/**
 * The backend's version as a clean row: guarded by the edit counter of the
 * local row it replaces (if any), so an edit made meanwhile is not lost.
 */
function backendRow(
  collection: string,
  record: WireRecord,
  local: LocalRow | undefined,
  mark: string | null,
): LocalRow {
  return {
    collection,
    id: record.id,
    record,
    pending: false,
    editSeq: local?.editSeq ?? 0,
    issues: null,
    mark,
    base: record.updatedAt,
  };
}

function sameFields(local: WireRecord, backend: WireRecord): boolean {
  const { updatedAt: _a, updatedBy: _b, ...mine } = local;
  const { updatedAt: _c, updatedBy: _d, ...theirs } = backend;
  return sameContent(mine, theirs);
}

function sameContent(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => sameContent((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function sameVersion(local: WireRecord, pulled: WireRecord): boolean {
  return local.updatedAt === pulled.updatedAt && Boolean(local.deleted) === Boolean(pulled.deleted);
}

function discardedBy(collection: string, local: WireRecord, winner: WireRecord, at: number): DiscardedEdit {
  return {
    collection,
    id: local.id,
    reason: winner.deleted ? 'deleted' : 'stale',
    local,
    winner: { updatedAt: winner.updatedAt, updatedBy: writerOf(winner.updatedBy), record: winner },
    at,
  };
}

function writerOf(value: unknown): Writer | null {
  if (typeof value !== 'object' || value === null) return null;
  const { userId, deviceId } = value as { userId?: unknown; deviceId?: unknown };
  if (typeof userId !== 'string' || (deviceId !== null && typeof deviceId !== 'string')) return null;
  return { userId, deviceId };
}
