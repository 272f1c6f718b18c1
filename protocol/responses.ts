// What the API answers, as zod schemas: the handlers' response types are
// inferred from these, the OpenAPI document is generated from them, and the
// integration tests parse real responses with them, so the three cannot
// drift. No Node APIs: a client can import this too.
import * as z from 'zod';
import { type CollectionName, collectionNames, deviceId, recordSchemas, tombstoneRecord } from './collections.ts';

export const issue = z.strictObject({ path: z.string(), message: z.string() });

export const errorCodes = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'BAD_CURSOR',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'GONE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** Every error: `{ error: { code, message, issues? } }`; a 410 also carries the tombstone as `record`. */
export const errorResponse = z.strictObject({
  error: z.strictObject({ code: z.enum(errorCodes), message: z.string(), issues: z.array(issue).optional() }),
  record: tombstoneRecord.optional(),
});

/** A record of one collection as the backend returns it: live, or a tombstone. */
const returnedRecord = (collection: CollectionName) => z.union([recordSchemas[collection].returned, tombstoneRecord]);

/** A value per collection (every collection present). */
const perCollection = <T extends z.ZodType>(of: (collection: CollectionName) => T) =>
  z.strictObject(Object.fromEntries(collectionNames.map((c) => [c, of(c)])) as Record<CollectionName, T>);
/** A value per collection (only the collections the request named). */
const perCollectionOptional = <T extends z.ZodType>(of: (collection: CollectionName) => T) =>
  z.strictObject(
    Object.fromEntries(collectionNames.map((c) => [c, of(c).optional()])) as Record<CollectionName, z.ZodOptional<T>>,
  );

export const pushStatuses = ['created', 'updated', 'unchanged', 'stale', 'deleted'] as const;

/** One pushed record's outcome, in request order. */
export const pushResult = z.union([
  z.strictObject({ id: z.string(), status: z.enum(pushStatuses), updatedAt: z.number().int() }),
  z.strictObject({ id: z.string().nullable(), status: z.literal('invalid'), issues: z.array(issue) }),
]);
export type PushResult = z.infer<typeof pushResult>;

const results = perCollectionOptional(() => z.array(pushResult));
export type PushResults = z.infer<typeof results>;

export const pushResponse = z.strictObject({ serverTime: z.number().int(), results });
export type PushResponse = z.infer<typeof pushResponse>;

export const syncNowResponse = pushResponse.extend({
  changes: perCollection((c) => z.array(returnedRecord(c))),
  cursor: z.string(),
  hasMore: z.boolean(),
  reset: z.boolean(),
});
export type SyncNowResponse = z.infer<typeof syncNowResponse>;

export const statusResponse = z.strictObject({
  serverTime: z.number().int(),
  account: z.strictObject({
    lastSyncAt: z.number().int().nullable(),
    lastSyncBy: z.strictObject({ userId: z.string(), deviceId }).nullable(),
  }),
  device: z
    .object({ deviceId, lastSyncAt: z.number().int().nullable(), lastPushAt: z.number().int().nullable() })
    .nullable(),
  collections: perCollection(() =>
    z.strictObject({ lastChangedAt: z.number().int().nullable(), pendingChanges: z.number().int().nullable() }),
  ),
  upToDate: z.boolean().nullable(),
});
export type StatusResponse = z.infer<typeof statusResponse>;

/** A live record of any collection (the web routes name the collection in the path). */
const anyLiveRecord = z.union(collectionNames.map((c) => recordSchemas[c].returned));

export const recordResponse = z.strictObject({ record: anyLiveRecord });
export const listResponse = z.strictObject({ records: z.array(anyLiveRecord), cursor: z.string().nullable() });
export type ListResponse = z.infer<typeof listResponse>;

export const healthResponse = z.strictObject({ ok: z.literal(true) });
