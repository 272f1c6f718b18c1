// The reference mobile sync client: local edits stay pending until the
// backend accepts them; loginPush() sends them and changes nothing else;
// syncNow() pushes them and pulls every change since the last sync, page by
// page, applying the protocol's client apply rules (docs/protocol.md). No Node-only APIs: fetch, an
// injectable clock, id generator and store.
import * as z from 'zod';
import { DEFAULT_PAGE_LIMIT, MAX_RECORDS_PER_REQUEST } from '../protocol/limits.ts';
import { createHttp, type Fetch, type RetryPolicy } from './http.ts';
import { type Batch, type Issue, keyOf, type LocalRow, type LocalStore, type WireRecord } from './local-store.ts';

const wireRecord = z.looseObject({ id: z.string(), updatedAt: z.number(), deleted: z.boolean().optional() });
const pushResult = z.object({
  id: z.string().nullable(),
  status: z.enum(['created', 'updated', 'unchanged', 'stale', 'deleted', 'invalid']),
  updatedAt: z.number().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
const results = z.record(z.string(), z.array(pushResult));
const pushResponse = z.object({ serverTime: z.number(), results });
const syncResponse = pushResponse.extend({
  changes: z.record(z.string(), z.array(wireRecord)),
  cursor: z.string(),
  hasMore: z.boolean(),
  reset: z.boolean(),
});
const statusResponse = z.object({
  serverTime: z.number(),
  account: z.object({
    lastSyncAt: z.number().nullable(),
    lastSyncBy: z.object({ userId: z.string(), deviceId: z.string() }).nullable(),
  }),
  device: z
    .object({ deviceId: z.string(), lastSyncAt: z.number().nullable(), lastPushAt: z.number().nullable() })
    .nullable(),
  collections: z.record(
    z.string(),
    z.object({ lastChangedAt: z.number().nullable(), pendingChanges: z.number().nullable() }),
  ),
  upToDate: z.boolean().nullable(),
});

export type PushResult = z.infer<typeof pushResult>;
export type SyncStatus = z.infer<typeof statusResponse>;
export type Progress = { pass: number; page: number; pulled: number; pushed: number };
export type SyncSummary = {
  pushed: number;
  pulled: number;
  pages: number;
  reset: boolean;
  rejected: { collection: string; id: string; issues: Issue[] }[];
};

export type SyncClientOptions = {
  baseUrl: string;
  deviceId: string;
  token: () => string | Promise<string>;
  store: LocalStore;
  /** The device clock (ms). Injectable so tests can skew it. */
  now?: () => number;
  newId?: () => string;
  fetch?: Fetch;
  retry?: Partial<RetryPolicy>;
  /** Records per Sync Now page (protocol/limits.ts: default and maximum). */
  pageSize?: number;
};

/** Bytes of records per request: under the server's body limit, with headroom for the envelope. */
const PUSH_BODY_BUDGET = 4 * 1024 * 1024;
const CURSOR = 'cursor';
const SNAPSHOT_MARK = 'snapshotMark';
const EDIT_SEQ = 'editSeq';
const LAST_STAMP = 'lastStamp';

export class SyncClient {
  private readonly request: ReturnType<typeof createHttp>;
  private readonly now: () => number;
  private readonly newId: () => string;
  /** One sync at a time per device: calls queue behind each other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SyncClientOptions) {
    this.request = createHttp({
      baseUrl: options.baseUrl,
      token: options.token,
      fetch: options.fetch,
      retry: options.retry,
    });
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => globalThis.crypto.randomUUID());
  }

  // ── Local data ─────────────────────────────────────────────────────────

  /** Creates (no id) or edits a record locally; it is pending until pushed. Returns its id. */
  async save(collection: string, fields: Record<string, unknown> & { id?: string }): Promise<string> {
    const { id = this.newId(), ...rest } = fields;
    const { updatedAt: _u, deleted: _d, ...own } = rest;
    await this.edit(collection, id, (updatedAt) => ({ ...own, id, updatedAt }));
    return id;
  }

  /** Deletes a record locally; the deletion is pushed like any edit. */
  async remove(collection: string, id: string): Promise<void> {
    await this.edit(collection, id, (updatedAt) => ({ id, updatedAt, deleted: true }));
  }

  async get(collection: string, id: string): Promise<WireRecord | undefined> {
    const row = await this.options.store.get({ collection, id });
    return row && !row.record.deleted ? row.record : undefined;
  }

  /** Live records of a collection, as the app shows them. */
  async list(collection: string): Promise<WireRecord[]> {
    return (await this.options.store.list(collection)).filter((r) => !r.record.deleted).map((r) => r.record);
  }

  /** Records the backend rejected, with why: the app shows them to the rep to fix. */
  async rejected(): Promise<{ collection: string; id: string; issues: Issue[] }[]> {
    return (await this.options.store.list())
      .filter((r) => r.issues !== null)
      .map((r) => ({ collection: r.collection, id: r.id, issues: r.issues! }));
  }

  /**
   * Stamps and stores a local edit. The backend recognises a retry by
   * (deviceId, updatedAt), so this device never stamps two versions with the
   * same updatedAt, nor goes backwards when its clock is set back: each stamp
   * is max(clock, previous stamp + 1).
   */
  private async edit(collection: string, id: string, version: (updatedAt: number) => WireRecord): Promise<void> {
    const { store } = this.options;
    const seq = Number((await store.meta(EDIT_SEQ)) ?? 0) + 1;
    const stamp = Math.max(this.now(), Number((await store.meta(LAST_STAMP)) ?? 0) + 1);
    const row: LocalRow = {
      collection,
      id,
      record: version(stamp),
      pending: true,
      editSeq: seq,
      issues: null,
      mark: null,
    };
    await store.apply({ put: [row], meta: { [EDIT_SEQ]: String(seq), [LAST_STAMP]: String(stamp) } });
  }

  // ── Login push ─────────────────────────────────────────────────────────

  /** Sends every pending change; never changes the device's data from the web. */
  loginPush(): Promise<{ pushed: number; results: PushResult[] }> {
    return this.serial(async () => {
      const all: PushResult[] = [];
      for (const chunk of chunks(await this.options.store.pending())) {
        const response = await this.request('POST', '/v1/sync/push', pushResponse, {
          deviceId: this.options.deviceId,
          clientTime: this.now(),
          changes: group(chunk),
        });
        const batch = await this.acknowledge(chunk, response.results, null);
        await this.options.store.apply(batch);
        all.push(...Object.values(response.results).flat());
      }
      return { pushed: all.length, results: all };
    });
  }

  // ── Sync Now ───────────────────────────────────────────────────────────

  /**
   * Pushes pending changes and pulls every change since the last sync. Edits
   * made while it runs stay pending for the next one. The cursor is stored
   * with each page's changes, so an interrupted sync resumes where it stopped.
   */
  syncNow(onProgress?: (progress: Progress) => void): Promise<SyncSummary> {
    return this.serial(async () => {
      const { store } = this.options;
      const startSeq = Number((await store.meta(EDIT_SEQ)) ?? 0);
      const summary: SyncSummary = { pushed: 0, pulled: 0, pages: 0, reset: false, rejected: [] };
      const sent = new Set<string>();
      for (let pass = 1; ; pass++) {
        // Everything pending when the sync started, in requests within the limits.
        const toPush = (await store.pending()).filter((r) => r.editSeq <= startSeq && !sent.has(keyOf(r)));
        const [chunk = []] = chunks(toPush);
        for (const r of chunk) sent.add(keyOf(r));
        await this.pass(chunk, startSeq, summary, (page) =>
          onProgress?.({ pass, page, pulled: summary.pulled, pushed: summary.pushed }),
        );
        if (toPush.length <= chunk.length) break;
      }
      summary.rejected = await this.rejected();
      return summary;
    });
  }

  private async pass(
    chunk: LocalRow[],
    startSeq: number,
    summary: SyncSummary,
    progress: (page: number) => void,
  ): Promise<void> {
    const { store, deviceId } = this.options;
    let cursor = await store.meta(CURSOR);
    let mark = await store.meta(SNAPSHOT_MARK);
    if (cursor === null && mark === null) mark = this.newId(); // a first sync is a snapshot
    for (let page = 1; ; page++) {
      const response = await this.request('POST', '/v1/sync/now', syncResponse, {
        deviceId,
        clientTime: this.now(),
        cursor,
        limit: this.options.pageSize ?? DEFAULT_PAGE_LIMIT,
        ...(page === 1 && chunk.length > 0 ? { changes: group(chunk) } : {}),
      });
      if (response.reset && mark === null) mark = this.newId();
      summary.reset ||= response.reset;
      const batch = page === 1 ? await this.acknowledge(chunk, response.results, mark) : { put: [], remove: [] };
      await this.receive(response.changes, startSeq, mark, batch);
      // The page's changes and the cursor after it, in one atomic write; the
      // last page of a snapshot also drops clean rows the snapshot did not hold.
      await store.apply({
        ...batch,
        meta: { [CURSOR]: response.cursor, [SNAPSHOT_MARK]: response.hasMore ? mark : null },
        ...(!response.hasMore && mark !== null ? { sweepUnmarked: mark } : {}),
      });
      summary.pages += 1;
      summary.pushed += page === 1 ? chunk.length : 0;
      summary.pulled += Object.values(response.changes).reduce((n, list) => n + list.length, 0);
      progress(page);
      if (!response.hasMore) return;
      cursor = response.cursor;
    }
  }

  /** The protocol's apply rules for one page of pulled changes, added to `batch`. */
  private async receive(
    changes: Record<string, WireRecord[]>,
    startSeq: number,
    mark: string | null,
    batch: { put: LocalRow[]; remove: NonNullable<Batch['remove']> },
  ): Promise<void> {
    for (const [collection, records] of Object.entries(changes)) {
      for (const record of records) {
        // 2c: a tombstone deletes the local copy, edited or not.
        if (record.deleted) {
          batch.remove.push({ collection, id: record.id });
          batch.put = batch.put.filter((r) => !(r.collection === collection && r.id === record.id));
          continue;
        }
        const local =
          batch.put.find((r) => r.collection === collection && r.id === record.id) ??
          (await this.options.store.get({ collection, id: record.id }));
        // An edit made after this sync started stays pending: it goes out next time.
        if (local?.pending && local.editSeq > startSeq) {
          if (mark !== null) batch.put.push({ ...local, mark });
          continue;
        }
        // 1: not held → store it; 2b: otherwise the backend's version replaces the local one.
        batch.put = batch.put.filter((r) => !(r.collection === collection && r.id === record.id));
        batch.put.push({
          collection,
          id: record.id,
          record,
          pending: false,
          editSeq: local?.editSeq ?? 0,
          issues: null,
          mark,
        });
      }
    }
  }

  /** Applies push results to the rows that were sent, unless edited again since. */
  private async acknowledge(sent: LocalRow[], byCollection: Record<string, PushResult[]>, mark: string | null) {
    const batch = { put: [] as LocalRow[], remove: [] as NonNullable<Batch['remove']> };
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
            else batch.put.push({ ...row, pending: false, issues: null, mark: mark ?? row.mark });
            break;
          case 'invalid':
            batch.put.push({ ...row, issues: result.issues ?? [] });
            break;
          case 'stale':
          case 'deleted':
            break; // stays pending; Sync Now brings the backend's version (a login push leaves it)
        }
      }
    }
    return batch;
  }

  // ── Account sync page ──────────────────────────────────────────────────

  status(): Promise<SyncStatus> {
    return this.request('GET', `/v1/sync/status?deviceId=${encodeURIComponent(this.options.deviceId)}`, statusResponse);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function group(rows: LocalRow[]): Record<string, WireRecord[]> {
  const out: Record<string, WireRecord[]> = {};
  for (const row of rows) {
    out[row.collection] ??= [];
    out[row.collection]!.push(row.record);
  }
  return out;
}

/** Splits rows into requests of at most 1,000 records and about 4 MiB. */
function chunks(rows: LocalRow[]): LocalRow[][] {
  const out: LocalRow[][] = [];
  let current: LocalRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = JSON.stringify(row.record).length;
    if (current.length > 0 && (current.length >= MAX_RECORDS_PER_REQUEST || bytes + size > PUSH_BODY_BUDGET)) {
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
