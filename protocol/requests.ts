// Request envelopes of the sync routes (docs/protocol.md: login push, Sync Now). The envelope is
// all-or-nothing: anything wrong here rejects the whole request before a
// single write. Records inside `changes` are validated one by one later
// (collections.ts), so one bad record cannot block the others.
import * as z from 'zod';
import { DIGEST_VERSIONS } from './digest.ts';
import { capIssue, deviceId, type Issue, MAX_ISSUES, recordId, timestampMs, toIssues } from './fields.ts';
import {
  DEFAULT_LIST_LIMIT,
  DEFAULT_PAGE_LIMIT,
  DEFAULT_VERIFY_PARTS,
  MAX_CURSOR_CHARS,
  MAX_PAGE_LIMIT,
  MAX_RECORDS_PER_REQUEST,
  MAX_VERIFY_PARTS,
} from './limits.ts';
import { type CollectionName, collectionNames, isCollectionName } from './records.ts';

export type Changes = Partial<Record<CollectionName, unknown[]>>;

const changes = z
  .record(z.string(), z.array(z.unknown()))
  .superRefine((value, ctx) => {
    for (const [collection, records] of Object.entries(value)) {
      if (!isCollectionName(collection)) continue; // reported by checkEnvelope, which sees every key
      const seen = new Set<string>();
      for (const [index, record] of records.entries()) {
        const id = idOf(record);
        if (id === null) continue;
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [collection, index, 'id'], message: 'duplicate id' });
        seen.add(id);
      }
    }
  })
  .transform((value) => value as Changes);

export const pushRequest = z.strictObject({
  deviceId,
  clientTime: timestampMs,
  changes: changes.default({}),
});
export type PushRequest = z.infer<typeof pushRequest>;

export const syncNowRequest = z.strictObject({
  deviceId,
  clientTime: timestampMs,
  cursor: z.string().min(1).max(MAX_CURSOR_CHARS).nullable().default(null),
  changes: changes.default({}),
  limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
});
export type SyncNowRequest = z.infer<typeof syncNowRequest>;

/**
 * `POST /v1/sync/verify`: count and digest of one collection's live records
 * with `from` ≤ id < `to` (null: unbounded), in at most `parts` sub-ranges.
 * A cursor continues the range it came from: send the same request with it.
 */
export const verifyRequest = z.strictObject({
  deviceId,
  collection: z.enum(collectionNames),
  from: recordId.nullable().default(null),
  to: recordId.nullable().default(null),
  parts: z.number().int().min(1).max(MAX_VERIFY_PARTS).default(DEFAULT_VERIFY_PARTS),
  cursor: z.string().min(1).max(MAX_CURSOR_CHARS).nullable().default(null),
  /** Which digest (v1.3): absent or null is v1 (id and updatedAt), v2 covers content too. */
  digest: z.enum(DIGEST_VERSIONS).nullable().optional(),
});
export type VerifyRequest = z.infer<typeof verifyRequest>;

/** `GET /v1/sync/status`: without a deviceId, the device's part and the pending counts are null. */
export const statusQuery = z.strictObject({ deviceId: deviceId.optional() });

/**
 * `GET /v1/records/{collection}`: a page of live records in id order, with
 * ids from `from` (inclusive) to `to` (exclusive) when given. A cursor
 * continues the listing it came from: send the same `from` and `to` with it.
 */
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_LIST_LIMIT),
  cursor: z.string().min(1).max(MAX_CURSOR_CHARS).optional(),
  from: recordId.meta({ description: 'Lowest id listed (inclusive).' }).optional(),
  to: recordId.meta({ description: 'Ids listed are below this one (exclusive).' }).optional(),
});
export type ListQuery = z.infer<typeof listQuery>;

/** The id a pushed record claims, if it claims a plausible one; validation comes later. */
export function idOf(record: unknown): string | null {
  if (typeof record !== 'object' || record === null) return null;
  const id = (record as { id?: unknown }).id;
  return typeof id === 'string' && id.length <= MAX_ECHOED_ID_CHARS ? id : null;
}

/** An invalid record's id is echoed back only when it is a string this short. */
const MAX_ECHOED_ID_CHARS = 128;

export type EnvelopeCheck<T> =
  | { ok: true; value: T }
  | { ok: false; tooLarge: true }
  | { ok: false; tooLarge: false; issues: Issue[] };

/**
 * Checks a sync envelope: the record count first (a size limit, the protocol puts
 * size before shape), then the shape. Nothing is written unless this passes.
 */
export function checkEnvelope<T>(schema: z.ZodType<T>, body: unknown): EnvelopeCheck<T> {
  const rawChanges = typeof body === 'object' && body !== null ? (body as { changes?: unknown }).changes : undefined;
  if (typeof rawChanges === 'object' && rawChanges !== null) {
    const count = Object.values(rawChanges).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);
    if (count > MAX_RECORDS_PER_REQUEST) return { ok: false, tooLarge: true };
    // Every own key, `__proto__` included (JSON.parse makes it an own key; a record schema would drop it silently).
    const unknown = Object.keys(rawChanges).filter((key) => !isCollectionName(key));
    if (unknown.length > 0 && !Array.isArray(rawChanges)) {
      const message = `unknown collection; expected one of ${collectionNames.join(', ')}`;
      return {
        ok: false,
        tooLarge: false,
        issues: unknown.slice(0, MAX_ISSUES).map((key) => capIssue(`changes.${key}`, message)),
      };
    }
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { ok: false, tooLarge: false, issues: toIssues(parsed.error) };
  return { ok: true, value: parsed.data };
}
