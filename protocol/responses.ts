// What the API answers, as zod schemas: the handlers' response types are
// inferred from these, the OpenAPI document is generated from them, the
// client parses responses with them, and the integration tests parse real
// responses with them, so none can drift. Parsing strips keys it does not
// know, so an app in the field keeps working when a newer server adds a
// field; the contract test checks that a parse changes nothing, so the
// server never sends one undocumented. No Node APIs: the client imports this.
import * as z from 'zod';
import { DIGEST_VERSIONS } from './digest.ts';
import { deviceId } from './fields.ts';
import { MAX_VERIFY_PARTS } from './limits.ts';
import { type CollectionName, collectionNames, recordSchemas, tombstoneRecord } from './records.ts';

export const issue = z.object({ path: z.string(), message: z.string() });

export const errorCodes = [
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'BAD_CURSOR',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'GONE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'METHOD_NOT_ALLOWED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** Every error: `{ error: { code, message, issues? } }`; a 410 also carries the tombstone as `record`. */
export const errorResponse = z.object({
  error: z.object({ code: z.enum(errorCodes), message: z.string(), issues: z.array(issue).optional() }),
  record: tombstoneRecord.optional(),
});

/** A record of one collection as the backend returns it: live, or a tombstone. */
const returnedRecord = (collection: CollectionName) => z.union([recordSchemas[collection].returned, tombstoneRecord]);

/** A value per collection (every collection present). */
const perCollection = <T extends z.ZodType>(of: (collection: CollectionName) => T) =>
  z.object(Object.fromEntries(collectionNames.map((c) => [c, of(c)])) as Record<CollectionName, T>);
/** A value per collection (only the collections the request named). */
const perCollectionOptional = <T extends z.ZodType>(of: (collection: CollectionName) => T) =>
  z.object(
    Object.fromEntries(collectionNames.map((c) => [c, of(c).optional()])) as Record<CollectionName, z.ZodOptional<T>>,
  );

export const pushStatuses = ['created', 'updated', 'unchanged', 'stale', 'deleted'] as const;

/** One pushed record's outcome, in request order. */
export const pushResult = z.union([
  z.object({ id: z.string(), status: z.enum(pushStatuses), updatedAt: z.number().int() }),
  z.object({ id: z.string().nullable(), status: z.literal('invalid'), issues: z.array(issue) }),
]);
export type PushResult = z.infer<typeof pushResult>;

const results = perCollectionOptional(() => z.array(pushResult));
export type PushResults = z.infer<typeof results>;

export const pushResponse = z.object({ serverTime: z.number().int(), results });
export type PushResponse = z.infer<typeof pushResponse>;

export const syncNowResponse = pushResponse.extend({
  changes: perCollection((c) => z.array(returnedRecord(c))),
  cursor: z.string(),
  hasMore: z.boolean(),
  reset: z.boolean(),
});
export type SyncNowResponse = z.infer<typeof syncNowResponse>;

export const statusResponse = z.object({
  serverTime: z.number().int(),
  account: z.object({
    lastSyncAt: z.number().int().nullable(),
    lastSyncBy: z.object({ userId: z.string(), deviceId }).nullable(),
  }),
  device: z
    .object({ deviceId, lastSyncAt: z.number().int().nullable(), lastPushAt: z.number().int().nullable() })
    .nullable(),
  collections: perCollection(() =>
    z.object({ lastChangedAt: z.number().int().nullable(), pendingChanges: z.number().int().nullable() }),
  ),
  upToDate: z.boolean().nullable(),
});
export type StatusResponse = z.infer<typeof statusResponse>;

/** One sub-range `from` ≤ id < `to` (null: unbounded) of a verify, with its live records' count and digest. */
export const verifyPart = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  count: z.number().int().min(0),
  digest: z.string().regex(/^[0-9a-f]{16}$/),
});
export type VerifyPart = z.infer<typeof verifyPart>;

/** The parts cover the range this page reached, in order; `cursor` continues the range, null once it is covered. */
export const verifyResponse = z.object({
  serverTime: z.number().int(),
  /** The digest the parts use (v1.3: the request's, v1 when it named none). */
  digest: z.enum(DIGEST_VERSIONS),
  parts: z.array(verifyPart).min(1).max(MAX_VERIFY_PARTS),
  cursor: z.string().nullable(),
});
export type VerifyResponse = z.infer<typeof verifyResponse>;

/** A live record of any collection (the web routes name the collection in the path). */
const anyLiveRecord = z.union(collectionNames.map((c) => recordSchemas[c].returned));

export const recordResponse = z.object({ record: anyLiveRecord });
export const listResponse = z.object({ records: z.array(anyLiveRecord), cursor: z.string().nullable() });

/** The same, for one collection (what the OpenAPI document says of each collection's paths). */
export const recordResponseOf = (collection: CollectionName) =>
  z.object({ record: recordSchemas[collection].returned });
export const listResponseOf = (collection: CollectionName) =>
  z.object({ records: z.array(recordSchemas[collection].returned), cursor: z.string().nullable() });

/**
 * What API Gateway itself answers in AWS when a request never reaches the
 * function — a bad token (401), its own throttling (429), an integration
 * failure (500, 502, 503, 504) — instead of the error envelope. A client
 * treats 401 as auth and the others as retry-later either way.
 */
export const gatewayError = z.object({ message: z.string() });
export type ListResponse = z.infer<typeof listResponse>;

export const healthResponse = z.object({ ok: z.literal(true) });
