// The reference mobile sync client, as an app holds it: local edits, queued
// until the backend accepts them; loginPush() sends them and changes nothing
// shown; syncNow() pushes them and pulls every change since the last sync;
// verify() and repair() prove the device holds what the backend holds. This
// is the front — one sync and one local edit at a time, and the state an
// app shows. The rules are apply.ts; the flows sync-passes.ts and
// verify-repair.ts. No Node-only APIs.
import type * as z from 'zod';
import { collections } from '../protocol/collections.ts';
import { MAX_VERIFY_PARTS } from '../protocol/limits.ts';
import { type CollectionName, isCollectionName, type RecordInput, type RecordOf } from '../protocol/records.ts';
import { statusResponse } from '../protocol/responses.ts';
import { routePath } from '../protocol/routes.ts';
import { baseOf, editedRow, stampFor } from './apply.ts';
import { changeEvents, type Device, META } from './device.ts';
import {
  CancelledError,
  ConfigurationError,
  InvalidRecordError,
  NoSuchDiscardedEditError,
  StoreOwnedByAnotherError,
  SyncApiError,
  SyncError,
} from './errors.ts';
import { createHttp } from './http.ts';
import { ownerOf } from './identity.ts';
import { uuidGenerator } from './ids.ts';
import type { Batch, LocalRow, RowKey, WireRecord } from './local-store.ts';
import { knownPart, recordToSave, withoutSyncMembers } from './records.ts';
import { type Limits, limitsOf, loginPush, syncNow } from './sync-passes.ts';
import type {
  ChangeEvent,
  DiscardedEdit,
  LoginPushResult,
  Phase,
  Progress,
  Registry,
  Rejected,
  RepairResult,
  SyncClientOptions,
  SyncState,
  SyncStatus,
  SyncSummary,
  VerifyProgress,
  VerifyResult,
} from './types.ts';
import { defaultVerify, repairRanges, type VerifySettings, verifyAll } from './verify-repair.ts';

type Watch = { signal?: AbortSignal; onProgress?: (progress: VerifyProgress) => void };

export class SyncClient {
  private readonly device: Device;
  private readonly limits: Limits;
  private readonly verifying: VerifySettings;
  private readonly registry: Registry;
  /** One sync at a time per device: calls queue behind each other. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Local edits one at a time, and a sync's decisions between them (Device.exclusive). */
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
    const { store, deviceId, now = Date.now, newId = uuidGenerator() } = options;
    const request = createHttp(options);
    this.device = {
      store,
      request,
      deviceId,
      now,
      newId,
      exclusive: (work) => this.editing(work),
      show: (patch) => this.setState(patch),
      changed: (keys) => this.changed(keys),
    };
    this.limits = limitsOf(options);
    this.registry = options.collections ?? collections;
    this.verifying = { ...defaultVerify, ...options.verify };
    const { parts, smallRange, concurrency } = this.verifying;
    if (
      ![parts, smallRange, concurrency].every(Number.isInteger) ||
      parts < 2 ||
      parts > MAX_VERIFY_PARTS ||
      smallRange < 1 ||
      concurrency < 1
    ) {
      throw new ConfigurationError(
        `verify options: parts must be 2–${MAX_VERIFY_PARTS}, smallRange and concurrency at least 1`,
      );
    }
  }

  // ── Local data ─────────────────────────────────────────────────────────

  /**
   * Creates (no `id`) or replaces the record, locally; it is pending until
   * pushed. Returns its id. Known fields are `fields` as given; fields this
   * build does not know are carried over from the stored record; `updatedAt`,
   * `updatedBy` and `deleted` are the sync's (README, "Saving"). An unknown
   * collection or invalid fields throw InvalidRecordError and store nothing.
   */
  async save<C extends CollectionName>(collection: C, fields: RecordInput<C>): Promise<string> {
    const id = (fields as { id?: string }).id ?? this.device.newId();
    await this.saveVersion(collection, id, fields);
    return id;
  }

  /**
   * Deletes a record locally; the deletion is pushed like any edit. Resolves
   * false, storing and pushing nothing, when there is nothing to delete: an
   * id this device does not hold (a tombstone for it would be a deletion of
   * something nobody on this device saw) or already deleted.
   */
  async remove<C extends CollectionName>(collection: C, id: string): Promise<boolean> {
    this.fieldsOf(collection);
    let removed = false;
    await this.edit(collection, id, (held, updatedAt) => {
      if (held === undefined || held.record.deleted) return null;
      removed = true;
      return { id, updatedAt, deleted: true };
    });
    return removed;
  }

  async get<C extends CollectionName>(collection: C, id: string): Promise<RecordOf<C> | undefined> {
    const row = await this.options.store.get({ collection, id });
    return row && !row.record.deleted ? (row.record as RecordOf<C>) : undefined;
  }

  /** Live records of a collection, as the app shows them. */
  async list<C extends CollectionName>(collection: C): Promise<RecordOf<C>[]> {
    const rows = await this.options.store.list(collection);
    return rows.filter((r) => !r.record.deleted).map((r) => r.record as RecordOf<C>);
  }

  /** Records the backend rejected, with why: the app shows them to the rep to fix. */
  async rejected(): Promise<Rejected[]> {
    return (await this.options.store.list()).flatMap((r) =>
      r.issues !== null && isCollectionName(r.collection)
        ? [{ collection: r.collection, id: r.id, issues: r.issues }]
        : [],
    );
  }

  // ── Discarded edits ────────────────────────────────────────────────────

  /** Every local edit that lost, with the version that beat it and who wrote that one. */
  async discardedEdits(): Promise<DiscardedEdit[]> {
    // Typed by collection: what save() or remove() made, and what the backend sent for the same record.
    return (await this.options.store.discarded()).filter((d) => isCollectionName(d.collection)) as DiscardedEdit[];
  }

  /**
   * Offers a lost edit back as a new local edit: a `stale` one over the
   * record as it now is, a `deleted` one as a new record with a new id
   * (deletion is terminal). Returns the record's id. NoSuchDiscardedEditError
   * when there is no such discarded edit.
   */
  async restore<C extends CollectionName>(collection: C, id: string): Promise<string> {
    const lost = (await this.discardedEdits()).find((d) => d.collection === collection && d.id === id);
    if (lost === undefined) throw new NoSuchDiscardedEditError(collection, id);
    const forget = { forget: [{ collection, id }] };
    if (lost.local.deleted) {
      await this.edit(collection, id, (_held, updatedAt) => ({ id, updatedAt, deleted: true }), forget);
      return id;
    }
    const restored = lost.reason === 'deleted' ? this.device.newId() : id;
    const fields = knownPart(this.fieldsOf(collection), withoutSyncMembers(lost.local));
    await this.saveVersion(collection, restored, fields, lost.local, forget);
    return restored;
  }

  /** Forgets a lost edit: the backend's version stands. Nothing to forget is fine. */
  async dismiss<C extends CollectionName>(collection: C, id: string): Promise<void> {
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
        await store.apply({
          remove: (await store.list()).map(({ collection, id }) => ({ collection, id })),
          forget: (await store.discarded()).map(({ collection, id }) => ({ collection, id })),
          // The edit counter and the last stamp stay: stamps never repeat on this device.
          meta: Object.fromEntries(
            [META.cursor, META.snapshotMark, META.owner, META.lastSyncAt, META.lastPushAt, META.lastVerifiedAt].map(
              (key) => [key, null],
            ),
          ),
        });
        await this.readState();
      }),
    );
  }

  // ── Syncs ──────────────────────────────────────────────────────────────

  /** Sends every pending edit; never changes the device's data from the web. */
  loginPush(options: { signal?: AbortSignal } = {}): Promise<LoginPushResult> {
    return this.serial(() => this.observed('pushing', () => loginPush(this.device, this.limits, options.signal)));
  }

  /**
   * Pushes pending changes and pulls every change since the last sync. Edits
   * made while it runs stay pending for the next one. The cursor is stored
   * with each page's changes, so an interrupted sync resumes where it stopped.
   */
  syncNow(onProgress?: (progress: Progress) => void, options: { signal?: AbortSignal } = {}): Promise<SyncSummary> {
    return this.serial(() =>
      this.observed('pushing', () => syncNow(this.device, this.limits, onProgress, options.signal)),
    );
  }

  /** The server's Account sync page for this device. */
  status(options: { signal?: AbortSignal } = {}): Promise<SyncStatus> {
    const path = `${routePath('SyncStatus')}?deviceId=${encodeURIComponent(this.options.deviceId)}`;
    return this.device.request('GET', path, statusResponse, undefined, options.signal);
  }

  /** Proves this device holds what the backend holds, or finds where not (README, "Verify"). Queued with syncs. */
  verify({ signal, onProgress }: Watch = {}): Promise<VerifyResult> {
    return this.serial(() =>
      this.observed('verifying', () => verifyAll(this.device, this.verifying, { signal, onProgress })),
    );
  }

  /**
   * Stores the backend's records where `result` (a fresh verify when not
   * given) differs, never changing a pending edit; then verifies again
   * (`after`). Queued with syncs.
   */
  repair(result?: VerifyResult, { signal, onProgress }: Watch = {}): Promise<RepairResult> {
    const watch = { signal, onProgress };
    return this.serial(() =>
      this.observed('repairing', async () => {
        const found = result ?? (await verifyAll(this.device, this.verifying, watch));
        const repaired = await repairRanges(this.device, found, this.verifying, watch);
        this.setState({ phase: 'verifying' });
        return { ...repaired, after: await verifyAll(this.device, this.verifying, watch) };
      }),
    );
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
  refresh(): Promise<SyncState> {
    return this.editing(() => this.readState());
  }

  private async readState(): Promise<SyncState> {
    const { store } = this.options;
    const unsent: Record<string, number> = {};
    for (const row of await store.pending()) if (!row.lost) unsent[row.collection] = (unsent[row.collection] ?? 0) + 1;
    const number = async (key: string) => {
      const value = await store.meta(key);
      return value === null ? null : Number(value);
    };
    this.setState({
      lastSyncAt: await number(META.lastSyncAt),
      lastPushAt: await number(META.lastPushAt),
      lastVerifiedAt: await number(META.lastVerifiedAt),
      unsent,
      discarded: (await store.discarded()).length,
    });
    return this.state;
  }

  private setState(patch: Partial<SyncState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }

  private changed(keys: RowKey[]): void {
    for (const change of changeEvents(keys)) for (const listener of this.changeListeners) listener(change);
  }

  /** Runs a sync with its phase shown and its failure kept (a cancel is none), and the stored state re-read after. */
  private async observed<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    this.setState({ phase, progress: null, verifyProgress: null });
    try {
      await this.claimStore();
      const result = await work();
      this.setState({ phase: 'idle', progress: null, verifyProgress: null, lastError: null });
      return result;
    } catch (error) {
      const cancelled = error instanceof CancelledError;
      this.setState({
        phase: cancelled ? 'idle' : 'error',
        progress: null,
        verifyProgress: null,
        ...(cancelled ? {} : { lastError: lastErrorOf(error) }),
      });
      throw error;
    } finally {
      await this.refresh().catch(() => undefined);
    }
  }

  // ── Local edits ────────────────────────────────────────────────────────

  /** save(), and restore() of a lost edit: `carryFrom`, where unknown fields come from when the store holds none. */
  private saveVersion(
    collection: CollectionName,
    id: string,
    fields: unknown,
    carryFrom?: WireRecord,
    also: Batch = {},
  ): Promise<void> {
    const schema = this.fieldsOf(collection);
    return this.edit(
      collection,
      id,
      (held, updatedAt) => {
        const source = held !== undefined && !held.record.deleted ? held.record : carryFrom;
        const prepared = recordToSave(schema, fields, source, id, updatedAt);
        if (!prepared.ok) throw new InvalidRecordError(collection, prepared.issues);
        return prepared.record;
      },
      also,
    );
  }

  /**
   * Stamps (E1) and stores a local edit (E2) — `version` builds it from the
   * row held, null for none — with the store's edit counter, and shows it.
   */
  private edit(
    collection: CollectionName,
    id: string,
    version: (held: LocalRow | undefined, updatedAt: number) => WireRecord | null,
    also: Batch = {},
  ): Promise<void> {
    return this.editing(async () => {
      const { store } = this.options;
      await this.claimStore();
      const held = await store.get({ collection, id });
      const seq = Number((await store.meta(META.editSeq)) ?? 0) + 1;
      const stamp = stampFor(this.device.now(), Number((await store.meta(META.lastStamp)) ?? 0), baseOf(held));
      const record = version(held, stamp);
      if (record === null) return;
      const row = editedRow(collection, record, seq, held);
      await store.apply({
        ...also,
        put: [row],
        meta: { [META.editSeq]: String(seq), [META.lastStamp]: String(stamp) },
      });
      const wasUnsent = held?.pending === true && held.issues === null && !held.lost;
      if (!wasUnsent)
        this.setState({ unsent: { ...this.state.unsent, [collection]: (this.state.unsent[collection] ?? 0) + 1 } });
      if (also.forget) this.setState({ discarded: (await store.discarded()).length });
      this.changed([row]);
    });
  }

  /** The schema this build knows a collection by; InvalidRecordError for one it does not know. */
  private fieldsOf(collection: string): z.ZodObject {
    if (!isCollectionName(collection))
      throw new InvalidRecordError(collection, [{ path: '', message: 'unknown collection' }]);
    return this.registry[collection].fields;
  }

  /**
   * Binds the store to this client's account and user on first use, and
   * refuses a store that belongs to someone else: their pending edits stay
   * theirs (or go with `reset()`), never pushed under this identity.
   */
  private async claimStore(): Promise<void> {
    const { store } = this.options;
    const me = await ownerOf(this.options);
    const owner = await store.meta(META.owner);
    if (owner === null) await store.apply({ meta: { [META.owner]: me } });
    else if (owner !== me) throw new StoreOwnedByAnotherError();
  }

  private editing<T>(work: () => Promise<T>): Promise<T> {
    const run = this.edits.then(work, work);
    this.edits = run.catch(() => undefined);
    return run;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function lastErrorOf(error: unknown): SyncState['lastError'] {
  return {
    message: error instanceof Error ? error.message : String(error),
    kind: error instanceof SyncError ? error.kind : null,
    code: error instanceof SyncApiError ? error.code : null,
  };
}
