// Verify: a count and a digest per id range, so a device can prove it holds
// what the backend holds, and narrow down where it does not without a full
// snapshot (docs/protocol.md, "Verify"). Pure: the service reads the
// versions; this says what one record adds to a digest, how a page's reach
// is fixed, and how the page is split into parts.
import * as z from 'zod';
import { type DigestVersion, digestOf } from '../../protocol/digest.ts';

/** What verify reads of a record: its key, its version, whether it is a tombstone, and its content hash (digest v2). */
export type Version = { id: string; updatedAt: number; deleted: boolean; contentHash?: string };

/** One sub-range `[from, to)` (null: unbounded) with its live records' count and digest. */
export type Part = { from: string | null; to: string | null; count: number; digest: string };

/**
 * Where a verify page stops. `read` is every version the page evaluated, in
 * id order (tombstones included, the range's `to` excluded); `next` is where
 * DynamoDB would continue, or undefined when the range is read to its end.
 * A page cut short by its work budget ends *before* the last version it
 * read and hands that id on as the next page's start, so the end of every
 * page is a real id — a range the client can ask about again — and the pages
 * meet exactly: one page's `end` is the next one's start.
 */
export function pageExtent(
  read: Version[],
  next: { id: string } | undefined,
  to: string | null,
): { covered: Version[]; end: string | null; resume: string | null } {
  if (next === undefined || (to !== null && next.id >= to)) return { covered: read, end: to, resume: null };
  return { covered: read.filter((v) => v.id < next.id), end: next.id, resume: next.id };
}

/**
 * Splits the live versions of `[from, to)`, in id order, into at most
 * `parts` consecutive sub-ranges whose counts differ by at most one. Each
 * part after the first starts at the id of its own first record, so every
 * boundary is a real id; the first part starts at `from` and the last ends
 * at `to`, so the parts together cover `[from, to)` exactly. No records:
 * one part of count 0.
 */
export function splitIntoParts(
  live: Version[],
  from: string | null,
  to: string | null,
  parts: number,
  digest: DigestVersion = 'v1',
): Part[] {
  const n = Math.max(1, Math.min(parts, live.length));
  const base = Math.floor(live.length / n);
  const longer = live.length % n; // the first `longer` parts take one more
  const result: Part[] = [];
  let start = 0;
  for (let k = 0; k < n; k++) {
    const end = start + base + (k < longer ? 1 : 0);
    const records = live.slice(start, end);
    result.push({
      from: k === 0 ? from : live[start]!.id,
      to: k === n - 1 ? to : live[end]!.id,
      count: records.length,
      digest: digestOf(records, digest),
    });
    start = end;
  }
  return result;
}

/**
 * Verify position: the range the first request asked for (the cursor is
 * only valid for that collection and range) and the id the next page starts
 * at, inclusive.
 */
export const verifyPosition = z.object({
  collection: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  at: z.string(),
});
export type VerifyPosition = z.infer<typeof verifyPosition>;
