// Verify and repair over the wire (docs/protocol.md, "Verify"): per
// collection, the backend's count and digest (v2: content too) of id ranges
// against the same over the device's view of the backend, narrowed down to
// small differing ranges (verify.ts); a repair lists those ranges and
// applies the repair rules (apply.ts, A10–A11) to them.
import * as z from 'zod';
import { DEFAULT_VERIFY_PARTS, MAX_PAGE_LIMIT } from '../protocol/limits.ts';
import { type CollectionName, collectionNames } from '../protocol/records.ts';
import { type VerifyPart, verifyResponse } from '../protocol/responses.ts';
import { routePath } from '../protocol/routes.ts';
import { ApplyRules, viewOf } from './apply.ts';
import { type Device, META } from './device.ts';
import { VersionIndex } from './digest.ts';
import { UnexpectedResponseError } from './errors.ts';
import { keyOf, type LocalRow } from './local-store.ts';
import { receivedRecord } from './sync-passes.ts';
import type { RepairResult, VerifyOptions, VerifyProgress, VerifyResult } from './types.ts';
import { type CollectionCheck, type DifferingRange, inBatches, narrowDown } from './verify.ts';

const listPage = z.object({ records: z.array(receivedRecord), cursor: z.string().nullable() });

/** How verify narrows down, with the defaults filled in. */
export type VerifySettings = Required<VerifyOptions>;

export const defaultVerify: VerifySettings = { parts: DEFAULT_VERIFY_PARTS, smallRange: 32, concurrency: 4 };

type Watch = { signal: AbortSignal | undefined; onProgress: ((progress: VerifyProgress) => void) | undefined };

/** Verifies every collection; keeps `lastVerifiedAt` when all matched. */
export async function verifyAll(device: Device, settings: VerifySettings, watch: Watch): Promise<VerifyResult> {
  const { store } = device;
  let requests = 0;
  let serverTime: number | null = null;
  let differing = 0;
  const checks: CollectionCheck[] = [];
  for (const [done, collection] of collectionNames.entries()) {
    const report = () => {
      const progress = { collection, done, collections: collectionNames.length, requests, differing };
      device.show({ verifyProgress: progress });
      watch.onProgress?.(progress);
    };
    report();
    const view = new VersionIndex(
      (await store.list(collection)).flatMap((row) => {
        const version = viewOf(row);
        return version === null ? [] : [{ id: row.id, ...version }];
      }),
      'v2',
    );
    const ask = async (from: string | null, to: string | null): Promise<VerifyPart[]> => {
      const parts: VerifyPart[] = [];
      let cursor: string | null = null;
      do {
        const page: z.infer<typeof verifyResponse> = await device.request(
          'POST',
          routePath('SyncVerify'),
          verifyResponse,
          { deviceId: device.deviceId, collection, from, to, parts: settings.parts, cursor, digest: view.digest },
          watch.signal,
        );
        if (page.digest !== view.digest) {
          throw new UnexpectedResponseError(
            200,
            `verify answered digest ${page.digest} to a request for ${view.digest}`,
          );
        }
        requests += 1;
        serverTime ??= page.serverTime;
        parts.push(...page.parts);
        cursor = page.cursor;
        report();
      } while (cursor !== null);
      return parts;
    };
    const check = await narrowDown(collection, view, ask, settings);
    differing += check.differing.length;
    checks.push(check);
  }
  const matched = checks.every((c) => c.matched);
  const at = serverTime ?? device.now();
  if (matched) await store.apply({ meta: { [META.lastVerifiedAt]: String(at) } });
  return { matched, collections: checks, serverTime: at, requests };
}

/** Fetches the differing ranges of `found` and applies the repair rules to them, collection by collection. */
export async function repairRanges(
  device: Device,
  found: VerifyResult,
  settings: VerifySettings,
  watch: Watch,
): Promise<Omit<RepairResult, 'after'>> {
  const { store } = device;
  const out: Omit<RepairResult, 'after'> = { fetched: 0, stored: 0, removed: 0, noted: 0, records: [], requests: 0 };
  const checks = found.collections.filter((c) => c.differing.length > 0);
  for (const [done, { collection, differing }] of checks.entries()) {
    const progress = {
      collection,
      done,
      collections: checks.length,
      requests: out.requests,
      differing: out.records.length,
    };
    device.show({ verifyProgress: progress });
    watch.onProgress?.(progress);
    // The ranges' records, several requests in flight (each waits a round trip); then applied together.
    const listed = await inBatches(differing, settings.concurrency, (range) =>
      listRange(device, collection, range, watch.signal, () => (out.requests += 1)),
    );
    const decided = await device.exclusive(async () => {
      // Mid-snapshot, a repaired row counts as delivered by it: the sweep at its end keeps it.
      const mark = await store.meta(META.snapshotMark);
      const rows = await store.list(collection);
      const byKey = new Map(rows.map((r) => [keyOf(r), r]));
      const rules = new ApplyRules(
        { row: (key) => byKey.get(keyOf(key)), discarded: () => undefined },
        { mark, now: device.now() },
      );
      for (const [r, range] of differing.entries()) {
        const records = listed[r]!;
        out.fetched += records.length;
        const { stored, removed, noted } = rules.repair(collection, records, inRange(rows, range));
        out.records.push(
          ...stored.map((id) => ({ collection, id, change: 'stored' as const })),
          ...removed.map((id) => ({ collection, id, change: 'removed' as const })),
        );
        out.noted += noted;
      }
      const decided = rules.decided();
      await store.apply(decided);
      return decided;
    });
    device.changed([...decided.put, ...decided.remove]);
  }
  out.stored = out.records.filter((r) => r.change === 'stored').length;
  out.removed = out.records.length - out.stored;
  return out;
}

/** Every live record of `[from, to)`, through the web list (all its pages). */
async function listRange(
  device: Device,
  collection: CollectionName,
  { from, to }: DifferingRange,
  signal: AbortSignal | undefined,
  counted: () => void,
): Promise<z.infer<typeof receivedRecord>[]> {
  const records: z.infer<typeof receivedRecord>[] = [];
  let cursor: string | null = null;
  do {
    const query: string = [
      `limit=${MAX_PAGE_LIMIT}`,
      ...(from === null ? [] : [`from=${encodeURIComponent(from)}`]),
      ...(to === null ? [] : [`to=${encodeURIComponent(to)}`]),
      ...(cursor === null ? [] : [`cursor=${encodeURIComponent(cursor)}`]),
    ].join('&');
    const page: z.infer<typeof listPage> = await device.request(
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

/** The rows with `from` ≤ id < `to` (null: unbounded), ids compared as the protocol does. */
function inRange(rows: LocalRow[], { from, to }: DifferingRange): LocalRow[] {
  return rows.filter(({ id }) => (from === null || id >= from) && (to === null || id < to));
}
