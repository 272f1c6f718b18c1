// Request envelopes of the sync routes (SPEC §5.1, §5.2). The envelope is
// all-or-nothing: anything wrong here rejects the whole request before a
// single write. Records inside `changes` are validated one by one later
// (collections.ts), so one bad record cannot block the others.
import * as z from 'zod';
import {
  type CollectionName,
  collectionNames,
  deviceId,
  type Issue,
  isCollectionName,
  timestampMs,
  toIssues,
} from './collections.ts';

/** Records in one request, across collections (SPEC §6: over it is 413). */
export const MAX_RECORDS_PER_REQUEST = 1000;
export const DEFAULT_PAGE_LIMIT = 500;
export const MAX_PAGE_LIMIT = 1000;

export type Changes = Partial<Record<CollectionName, unknown[]>>;

const changes = z
  .record(z.string(), z.array(z.unknown()))
  .superRefine((value, ctx) => {
    for (const [collection, records] of Object.entries(value)) {
      if (!isCollectionName(collection)) {
        ctx.addIssue({
          code: 'custom',
          path: [collection],
          message: `unknown collection; expected one of ${collectionNames.join(', ')}`,
        });
        continue;
      }
      const seen = new Set<string>();
      records.forEach((record, index) => {
        const id = idOf(record);
        if (id === null) return;
        if (seen.has(id))
          ctx.addIssue({ code: 'custom', path: [collection, index, 'id'], message: `duplicate id ${id}` });
        seen.add(id);
      });
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
  cursor: z.string().min(1).max(4096).nullable().default(null),
  changes: changes.default({}),
  limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
});
export type SyncNowRequest = z.infer<typeof syncNowRequest>;

/** `GET /v1/sync/status`: without a deviceId, the device's part and the pending counts are null. */
export const statusQuery = z.strictObject({ deviceId: deviceId.optional() });

/** `GET /v1/records/{collection}`: a page of live records in id order. */
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(100),
  cursor: z.string().min(1).max(4096).optional(),
});

/** The id a pushed record claims, if it claims one; validation comes later. */
export function idOf(record: unknown): string | null {
  if (typeof record !== 'object' || record === null) return null;
  const id = (record as { id?: unknown }).id;
  return typeof id === 'string' ? id : null;
}

export type EnvelopeCheck<T> =
  | { ok: true; value: T }
  | { ok: false; tooLarge: true }
  | { ok: false; tooLarge: false; issues: Issue[] };

/**
 * Checks a sync envelope: the record count first (a size limit, SPEC §6 puts
 * size before shape), then the shape. Nothing is written unless this passes.
 */
export function checkEnvelope<T>(schema: z.ZodType<T>, body: unknown): EnvelopeCheck<T> {
  const rawChanges = typeof body === 'object' && body !== null ? (body as { changes?: unknown }).changes : undefined;
  if (typeof rawChanges === 'object' && rawChanges !== null) {
    const count = Object.values(rawChanges).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);
    if (count > MAX_RECORDS_PER_REQUEST) return { ok: false, tooLarge: true };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { ok: false, tooLarge: false, issues: toIssues(parsed.error) };
  return { ok: true, value: parsed.data };
}
