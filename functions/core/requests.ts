// Request envelopes of the sync routes (docs/protocol.md: login push, Sync Now). The envelope is
// all-or-nothing: anything wrong here rejects the whole request before a
// single write. Records inside `changes` are validated one by one later
// (collections.ts), so one bad record cannot block the others.
import * as z from 'zod';
import {
  DEFAULT_LIST_LIMIT,
  DEFAULT_PAGE_LIMIT,
  MAX_CURSOR_CHARS,
  MAX_PAGE_LIMIT,
  MAX_RECORDS_PER_REQUEST,
} from '../../protocol/limits.ts';
import {
  type CollectionName,
  collectionNames,
  deviceId,
  type Issue,
  isCollectionName,
  timestampMs,
  toIssues,
} from './collections.ts';

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
  cursor: z.string().min(1).max(MAX_CURSOR_CHARS).nullable().default(null),
  changes: changes.default({}),
  limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
});
export type SyncNowRequest = z.infer<typeof syncNowRequest>;

/** `GET /v1/sync/status`: without a deviceId, the device's part and the pending counts are null. */
export const statusQuery = z.strictObject({ deviceId: deviceId.optional() });

/** `GET /v1/records/{collection}`: a page of live records in id order. */
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_LIST_LIMIT),
  cursor: z.string().min(1).max(MAX_CURSOR_CHARS).optional(),
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
 * Checks a sync envelope: the record count first (a size limit, the protocol puts
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
