// Login push and Sync Now over the wire (docs/protocol.md): which pending
// rows go out, in requests within the protocol's limits; the pages a Sync
// Now pulls, each applied by the rules of apply.ts and stored with the
// cursor after it in one batch, so an interrupted sync resumes where it
// stopped.
import * as z from 'zod';
import type { WireRecord } from '../protocol/fields.ts';
import { DEFAULT_PAGE_LIMIT, MAX_RECORDS_PER_REQUEST } from '../protocol/limits.ts';
import type { CollectionName } from '../protocol/records.ts';
import { pushResponse } from '../protocol/responses.ts';
import { routePath } from '../protocol/routes.ts';
import { type Answered, ApplyRules, type Decided } from './apply.ts';
import { type Device, heldFor, META } from './device.ts';
import { SyncApiError } from './errors.ts';
import { keyOf, type LocalRow } from './local-store.ts';
import type { LoginPushResult, Outcome, Progress, Rejected, SyncSummary } from './types.ts';

/**
 * A record as the API returns it: `id`, `updatedAt`, `deleted` and
 * `updatedBy` checked, every other member kept as it came (a newer server
 * may add fields, or a collection, that this build does not know: they are
 * kept and sent back). The server validated each version it stores.
 */
export const receivedRecord = z.looseObject({
  id: z.string(),
  updatedAt: z.number().int(),
  deleted: z.boolean().optional(),
  updatedBy: z.object({ userId: z.string(), deviceId: z.string().nullable() }).nullable().optional(),
});

const syncResponse = pushResponse.extend({
  changes: z.record(z.string(), z.array(receivedRecord)),
  cursor: z.string(),
  hasMore: z.boolean(),
  reset: z.boolean(),
});

export type Limits = { maxRecords: number; pageSize: number };

/** Sends every pending edit (a lost one waits for Sync Now, A3); never changes what the device shows. */
export async function loginPush(device: Device, limits: Limits, signal?: AbortSignal): Promise<LoginPushResult> {
  const { store } = device;
  const out: LoginPushResult = { pushed: 0, results: [], outcomes: [] };
  // Mid-snapshot, an acknowledged row counts as delivered by it: the sweep at its end keeps it.
  const mark = await store.meta(META.snapshotMark);
  const rows = (await store.pending()).filter((r) => !r.lost);
  for (const chunk of chunks(rows, limits.maxRecords)) {
    const response = await device.request(
      'POST',
      routePath('SyncPush'),
      pushResponse,
      { deviceId: device.deviceId, clientTime: device.now(), changes: wireChanges(chunk) },
      signal,
    );
    const answered = await applied(device, chunk, mark, (rules) => rules.pushResults(chunk, response.results), {
      [META.lastPushAt]: String(response.serverTime),
    });
    out.pushed += chunk.length;
    out.results.push(...answered.map(({ pushed, result }) => ({ ...result, collection: known(pushed) })));
    out.outcomes.push(...answered.map(outcomeOf));
  }
  return out;
}

/** One push-and-pull pass of a Sync Now. */
type Pass = {
  /** The rows this pass pushes (with its first page). */
  chunk: LocalRow[];
  summary: SyncSummary;
  progress: (page: number) => void;
  signal: AbortSignal | undefined;
};

/**
 * Pushes what was pending when it started and pulls every change since the
 * last sync, in passes: each pushes one request's worth of rows with its
 * first page. Edits made meanwhile stay pending for the next Sync Now.
 */
export async function syncNow(
  device: Device,
  limits: Limits,
  onProgress: ((progress: Progress) => void) | undefined,
  signal?: AbortSignal,
): Promise<SyncSummary> {
  const { store } = device;
  const startSeq = Number((await store.meta(META.editSeq)) ?? 0);
  const summary: SyncSummary = { pushed: 0, pulled: 0, pages: 0, reset: false, rejected: [], outcomes: [] };
  const sent = new Set<string>(); // rows this Sync Now has pushed so far
  for (let pass = 1; ; pass++) {
    const toPush = (await store.pending()).filter((r) => r.editSeq <= startSeq && !sent.has(keyOf(r)));
    const [chunk = []] = chunks(toPush, limits.maxRecords);
    for (const r of chunk) sent.add(keyOf(r));
    const progress = (page: number) => {
      const now = { pass, page, pulled: summary.pulled, pushed: summary.pushed };
      device.show({ phase: 'pulling', progress: now });
      onProgress?.(now);
    };
    const run = { chunk, summary, progress, signal };
    try {
      await syncPass(device, limits, run);
    } catch (error) {
      // The cursor key was rotated, or the cursor is another account's: start over as a snapshot (A14).
      if (!(error instanceof SyncApiError) || error.code !== 'BAD_CURSOR') throw error;
      await store.apply({ meta: { [META.cursor]: null, [META.snapshotMark]: null } });
      await syncPass(device, limits, run);
    }
    if (toPush.length <= chunk.length) return summary;
  }
}

async function syncPass(device: Device, limits: Limits, { chunk, summary, progress, signal }: Pass): Promise<void> {
  const { store } = device;
  let cursor = await store.meta(META.cursor);
  let mark = await store.meta(META.snapshotMark);
  if (cursor === null && mark === null) mark = device.newId(); // a first sync is a snapshot
  for (let page = 1; ; page++) {
    const pushing = page === 1 && chunk.length > 0;
    const response = await device.request(
      'POST',
      routePath('SyncNow'),
      syncResponse,
      {
        deviceId: device.deviceId,
        clientTime: device.now(),
        cursor,
        limit: limits.pageSize,
        ...(pushing ? { changes: wireChanges(chunk) } : {}),
      },
      signal,
    );
    if (response.reset && mark === null) mark = device.newId();
    const serverTime = String(response.serverTime);
    // A12: the page's changes and the cursor after it, in one batch; A13: the last page of a snapshot also drops
    // clean rows it did not deliver.
    const answered = await applied(
      device,
      [
        ...(pushing ? chunk : []),
        ...Object.entries(response.changes).flatMap(([c, list]) => list.map((r) => ({ collection: c, id: r.id }))),
      ],
      mark,
      (rules) => {
        const answers = pushing ? rules.pushResults(chunk, response.results) : [];
        rules.page(response.changes);
        return answers;
      },
      {
        [META.cursor]: response.cursor,
        [META.snapshotMark]: response.hasMore ? mark : null,
        ...(pushing ? { [META.lastPushAt]: serverTime } : {}),
        ...(response.hasMore ? {} : { [META.lastSyncAt]: serverTime }),
      },
      !response.hasMore && mark !== null ? mark : undefined,
    );
    summary.reset ||= response.reset;
    summary.rejected.push(...answered.flatMap(rejectedOf));
    summary.outcomes.push(...answered.map(outcomeOf));
    summary.pages += 1;
    summary.pushed += pushing ? chunk.length : 0;
    summary.pulled += Object.values(response.changes).reduce((n, list) => n + list.length, 0);
    progress(page);
    if (!response.hasMore) return;
    cursor = response.cursor;
  }
}

/**
 * Reads the rows `keys` names and the discarded edits, runs `rules` over
 * them and stores what they decided with `meta` — local edits held off
 * meanwhile — then tells the app what changed.
 */
async function applied<T>(
  device: Device,
  keys: { collection: string; id: string }[],
  mark: string | null,
  rules: (rules: ApplyRules) => T,
  meta: Record<string, string | null>,
  sweepUnmarked?: string,
): Promise<T> {
  const { store } = device;
  let decided: Decided | undefined;
  const result = await device.exclusive(async () => {
    const plan = new ApplyRules(await heldFor(store, keys), { mark, now: device.now() });
    const out = rules(plan);
    decided = plan.decided();
    await store.apply({ ...decided, meta, ...(sweepUnmarked === undefined ? {} : { sweepUnmarked }) });
    return out;
  });
  device.changed([...decided!.put, ...decided!.remove]);
  return result;
}

/** The rows as the wire carries them: each record with its edit's `base` (null: made here, or unknown). */
function wireChanges(rows: LocalRow[]): Record<string, WireRecord[]> {
  const out: Record<string, WireRecord[]> = {};
  for (const row of rows) {
    const list = out[row.collection] ?? [];
    list.push({ ...row.record, base: row.base });
    out[row.collection] = list;
  }
  return out;
}

/**
 * UTF-8 bytes of records per push: what Lambda can take of an uncompressed
 * body once escaped into its event (the server's 5 MiB holds only for compact
 * JSON) — about 2 MiB keeps any text safe.
 */
const PUSH_BODY_BUDGET = 2 * 1024 * 1024;
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

/** The limits as asked for, within the protocol's. */
export function limitsOf(options: { maxRecordsPerPush?: number; pageSize?: number }): Limits {
  return {
    maxRecords: Math.min(options.maxRecordsPerPush ?? MAX_RECORDS_PER_REQUEST, MAX_RECORDS_PER_REQUEST),
    pageSize: options.pageSize ?? DEFAULT_PAGE_LIMIT,
  };
}

/** A pushed row's collection: one save() accepted, so one this build knows. */
const known = (row: LocalRow) => row.collection as CollectionName;

function outcomeOf({ pushed, result }: Answered): Outcome {
  const server = result.status === 'invalid' ? null : { updatedAt: result.updatedAt };
  return { collection: known(pushed), id: pushed.id, status: result.status, local: pushed.record, server } as Outcome;
}

function rejectedOf({ pushed, result }: Answered): Rejected[] {
  return result.status === 'invalid' ? [{ collection: known(pushed), id: pushed.id, issues: result.issues }] : [];
}
