// How the client narrows a difference down (docs/protocol.md, "Verify"):
// ask the backend for the whole collection's parts, compare each with the
// same range of the device's own view, and ask again about every part that
// differs until it is small enough to fetch. No I/O here: `ask` is the
// verify request (following its cursor), so this runs the same against the
// API or a test's stand-in.
import type { CollectionName } from '../protocol/records.ts';
import type { VerifyPart } from '../protocol/responses.ts';
import type { VersionIndex } from './digest.ts';

/** An id range `[from, to)` (null: unbounded) where the backend and the device differ. */
export type DifferingRange = {
  from: string | null;
  to: string | null;
  /** Live records the backend holds there (what a repair fetches). */
  backendCount: number;
  /** Records of the device's view there, and their ids. */
  localCount: number;
  localIds: string[];
};

export type CollectionCheck = {
  collection: CollectionName;
  matched: boolean;
  /** Live records the backend holds in the collection. */
  backendCount: number;
  /** Records of the device's view of the collection. */
  localCount: number;
  /** Small ranges that differ, in id order (none when matched). */
  differing: DifferingRange[];
};

export type Ask = (from: string | null, to: string | null) => Promise<VerifyPart[]>;

export type NarrowOptions = {
  /** A differing part holding at most this many backend records is not split further. */
  smallRange: number;
  /** Verify requests in flight at once while narrowing (each waits a round trip). */
  concurrency: number;
};

/**
 * Compares a collection with the device's view of it. A part that differs
 * is asked about again until the backend holds at most `smallRange`
 * records in it: then fetching it is cheap whatever the device holds there
 * (records only the device has are dropped, not fetched). Each round splits
 * a part into up to `parts` smaller ones, so a few differences in n records
 * cost about log_parts(n / smallRange) rounds of one request per differing
 * part, and a matching collection one round: its pages.
 */
export async function narrowDown(
  collection: CollectionName,
  view: VersionIndex,
  ask: Ask,
  options: NarrowOptions,
): Promise<CollectionCheck> {
  const top = await ask(null, null);
  const backendCount = top.reduce((n, p) => n + p.count, 0);
  const differing: DifferingRange[] = [];
  let parts = top.map((part) => ({ part, asked: null as { from: string | null; to: string | null } | null }));
  while (parts.length > 0) {
    const again: VerifyPart[] = [];
    for (const { part, asked } of parts) {
      const local = view.range(part.from, part.to);
      if (local.count === part.count && local.digest === part.digest) continue;
      // A server that answers a range with itself cannot narrow it: stop there rather than ask forever.
      const unsplit = asked !== null && asked.from === part.from && asked.to === part.to;
      if (part.count <= options.smallRange || unsplit) {
        differing.push({
          from: part.from,
          to: part.to,
          backendCount: part.count,
          localCount: local.count,
          localIds: local.ids,
        });
      } else again.push(part);
    }
    const answers = await inBatches(again, options.concurrency, (p) => ask(p.from, p.to));
    parts = answers.flatMap((answer, i) =>
      answer.map((part) => ({ part, asked: answer.length === 1 ? { from: again[i]!.from, to: again[i]!.to } : null })),
    );
  }
  differing.sort((a, b) => (a.from === null ? -1 : b.from === null ? 1 : a.from < b.from ? -1 : 1));
  return { collection, matched: differing.length === 0, backendCount, localCount: view.size, differing };
}

/** `work` over every item, at most `limit` at a time, answers in the items' order. */
export async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await work(items[i]!);
      } catch (error) {
        next = items.length; // the others stop after their request in flight
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
