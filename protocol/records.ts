// Everything derived from the collection registry (collections.ts): the
// names, each collection's record types and API schemas, and the parsing of
// a pushed record or a web body. Never edited to add a collection. No Node
// APIs: the client imports this too.
import * as z from 'zod';
import { collections } from './collections.ts';
import {
  capIssue,
  firstIllFormedString,
  ILL_FORMED_MESSAGE,
  type Issue,
  MAX_ISSUES,
  type RecordFields,
  recordId,
  serializedSize,
  timestampMs,
  toIssues,
  type UpdatedBy,
  updatedBy,
} from './fields.ts';
import { MAX_RECORD_BYTES } from './limits.ts';

export type CollectionName = keyof typeof collections;

/** The collections, in the registry's order (the order a Sync Now reads them in). */
export const collectionNames = Object.keys(collections) as CollectionName[];

export function isCollectionName(name: string): name is CollectionName {
  return Object.hasOwn(collections, name);
}

type FieldsOf<C extends CollectionName> = (typeof collections)[C]['fields'];

/**
 * A live record of collection `C` as the backend returns it and a device
 * holds it. Open to members this build does not know: a newer backend may
 * add optional fields, and a client keeps them.
 */
export type RecordOf<C extends CollectionName> = z.output<FieldsOf<C>> & {
  id: string;
  updatedAt: number;
  deleted?: false;
  updatedBy?: UpdatedBy | null;
} & Record<string, unknown>;

/**
 * What an app saves into collection `C`: the fields (an `id` to edit an
 * existing record, none to create one). A record read back may be saved as
 * is: its `updatedAt`, `deleted` and `updatedBy` are the sync's to set.
 */
export type RecordInput<C extends CollectionName> = z.input<FieldsOf<C>> & {
  id?: string;
  updatedAt?: number;
  deleted?: false;
  updatedBy?: UpdatedBy | null;
};

export type Product = RecordOf<'products'>;
export type Customer = RecordOf<'customers'>;
export type Order = RecordOf<'orders'>;

/** What the backend holds and returns for one record. */
export type SyncedRecord =
  | ({ id: string; updatedAt: number; deleted?: false; updatedBy: UpdatedBy } & RecordFields)
  | { id: string; updatedAt: number; deleted: true; updatedBy: UpdatedBy | null };

/**
 * A version pushed by a device, after validation. `base`: the backend
 * `updatedAt` of the version the device edited (null: none, or unknown).
 */
export type DeviceChange =
  | { id: string; updatedAt: number; deleted: false; base: number | null; fields: RecordFields }
  | { id: string; updatedAt: number; deleted: true; base: number | null };

type Schemas = {
  /** A live record as the backend returns it (less `updatedBy`). */
  live: z.ZodType<{ id: string; updatedAt: number } & RecordFields>;
  /** A live record as the backend returns it, with who wrote it: open to members a newer backend adds (§3). */
  returned: z.ZodType<{ id: string; updatedAt: number; updatedBy: UpdatedBy } & RecordFields>;
  /** A live record as a device pushes it: `live`, its `base`, and an `updatedBy` that is ignored. */
  pushable: z.ZodType<{ id: string; updatedAt: number; base?: number | null } & RecordFields>;
  /** A pushed tombstone: `id`, `updatedAt`, `deleted: true`, `base`; the collection's own fields may ride along, unchecked and dropped. */
  tombstone: z.ZodType<{ id: string; updatedAt: number; deleted: true; base: number | null }>;
  /** A Main App (web) PUT body: the collection's fields and an optional `id`. */
  webBody: z.ZodType<RecordFields & { id?: string }>;
  /** The same as a client may send it: `updatedAt`, `deleted` and `updatedBy` ride along, ignored (what the OpenAPI document describes). */
  webBodyAsSent: z.ZodType<RecordFields & { id?: string }>;
};

/** A tombstone as the backend returns it (`updatedBy` null only for a deletion the backend no longer knows the author of). */
export const tombstoneRecord = z.strictObject({
  id: recordId,
  updatedAt: timestampMs,
  deleted: z.literal(true),
  updatedBy: updatedBy.nullable(),
});

/**
 * A pushed record's `base`: the backend `updatedAt` of the version the
 * device edited, in `updatedAt`'s range (so `0` is never read as "older than
 * any retention"), or null when there is none (a record made on the device)
 * or the device does not know it.
 */
export const base = timestampMs.nullable();

// Derived once per collection, never restated by hand (STYLE §3).
function deriveSchemas(fields: z.ZodObject): Schemas {
  const live = fields.extend({ id: recordId, updatedAt: timestampMs, deleted: z.literal(false).optional() }).strict();
  // A fetched record sent back as is carries `updatedBy`: ignored, like `updatedAt` on the web.
  const pushable = live.extend({ base: base.optional(), updatedBy: z.unknown().optional() });
  const returned = live.extend({ updatedBy }).loose();
  // A tombstone needs only id, updatedAt and deleted; the collection's own
  // fields may ride along (a client serializing its local copy) and are not
  // stored, so their values are not checked. Unknown fields are still rejected.
  const ignoredFields = Object.fromEntries(Object.keys(fields.shape).map((key) => [key, z.unknown().optional()]));
  const tombstone = z
    .object({
      ...ignoredFields,
      id: recordId,
      updatedAt: timestampMs,
      deleted: z.literal(true),
      base: base.optional(),
      updatedBy: z.unknown().optional(),
    })
    .strict()
    .transform(({ id, updatedAt, base }) => ({ id, updatedAt, deleted: true as const, base: base ?? null }));
  const webBody = fields.extend({ id: recordId.optional() }).strict();
  // As documented: the members the server accepts and ignores in a web body (a fetched record sent back as is).
  const ignored = z.unknown().optional().meta({ description: 'Accepted and ignored: set by the server.' });
  const webBodyAsSent = webBody.extend({ updatedAt: ignored, deleted: ignored, updatedBy: ignored });
  // zod types a generic object's output as Record<string, unknown>; the
  // extended keys are there by construction.
  return {
    live: live as unknown as Schemas['live'],
    pushable: pushable as unknown as Schemas['live'],
    returned: returned as unknown as Schemas['returned'],
    tombstone,
    webBody: webBody as Schemas['webBody'],
    webBodyAsSent: webBodyAsSent as Schemas['webBody'],
  };
}

/** Each collection's record schemas, derived from its fields: what the handlers validate with and the OpenAPI document describes. */
export const recordSchemas = Object.fromEntries(
  collectionNames.map((name) => [name, deriveSchemas(collections[name].fields)]),
) as Record<CollectionName, Schemas>;

export type ParsedChange = { ok: true; change: DeviceChange } | { ok: false; issues: Issue[] };

/** Validates one pushed record (live or tombstone) of a collection. */
export function parseDeviceChange(collection: CollectionName, raw: unknown): ParsedChange {
  const schemas = recordSchemas[collection];
  const illFormed = firstIllFormedString(raw);
  if (illFormed !== null) return { ok: false, issues: [capIssue(illFormed, ILL_FORMED_MESSAGE)] };
  const isTombstone = typeof raw === 'object' && raw !== null && (raw as { deleted?: unknown }).deleted === true;
  if (isTombstone) {
    const parsed = schemas.tombstone.safeParse(raw);
    return parsed.success ? { ok: true, change: parsed.data } : { ok: false, issues: toIssues(parsed.error) };
  }
  const early = firstIssuesInLists(collection, raw);
  if (early !== null) return { ok: false, issues: early };
  const parsed = schemas.pushable.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: toIssues(parsed.error) };
  const { id, updatedAt, base = null, deleted: _deleted, updatedBy: _updatedBy, ...fields } = parsed.data;
  if (serializedSize({ id, updatedAt, ...fields }) > MAX_RECORD_BYTES) {
    return { ok: false, issues: [{ path: '', message: `record is larger than ${MAX_RECORD_BYTES} bytes` }] };
  }
  return { ok: true, change: { id, updatedAt, deleted: false, base, fields } };
}

/**
 * A record's lists (an order's up to 500 lines) checked element by element,
 * stopping at MAX_ISSUES: a record of hundreds of bad lines costs a handful
 * of element checks instead of thousands of issues zod would collect and we
 * would throw away. Null when the lists hold fewer bad elements than that
 * (the full parse then reports every issue).
 */
function firstIssuesInLists(collection: CollectionName, raw: unknown): Issue[] | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const issues: Issue[] = [];
  for (const [field, schema] of Object.entries(collections[collection].fields.shape)) {
    const value = (raw as Record<string, unknown>)[field];
    const list = schema instanceof z.ZodOptional ? schema.unwrap() : schema;
    if (!(list instanceof z.ZodArray) || !Array.isArray(value)) continue;
    for (const [index, element] of value.entries()) {
      const parsed = (list.element as z.ZodType).safeParse(element);
      if (parsed.success) continue;
      for (const issue of toIssues(parsed.error))
        issues.push(capIssue(`${field}.${index}.${issue.path}`.replace(/\.$/, ''), issue.message));
      if (issues.length >= MAX_ISSUES) return issues.slice(0, MAX_ISSUES);
    }
  }
  return null;
}

export type ParsedWebBody = { ok: true; fields: RecordFields } | { ok: false; issues: Issue[] };

/**
 * Validates a Main App (web) body for `PUT /v1/records/{collection}/{id}`.
 * `updatedAt`, `deleted` and `updatedBy` are the server's to set, so they are ignored.
 */
export function parseWebBody(collection: CollectionName, id: string, raw: unknown): ParsedWebBody {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, issues: [{ path: '', message: 'body must be a JSON object' }] };
  }
  const illFormed = firstIllFormedString(raw);
  if (illFormed !== null) return { ok: false, issues: [capIssue(illFormed, ILL_FORMED_MESSAGE)] };
  const early = firstIssuesInLists(collection, raw);
  if (early !== null) return { ok: false, issues: early };
  const { updatedAt: _updatedAt, deleted: _deleted, updatedBy: _updatedBy, ...body } = raw as Record<string, unknown>;
  const parsed = recordSchemas[collection].webBody.safeParse(body);
  if (!parsed.success) return { ok: false, issues: toIssues(parsed.error) };
  const { id: bodyId, ...fields } = parsed.data;
  if (bodyId !== undefined && bodyId !== id) {
    return { ok: false, issues: [{ path: 'id', message: 'must match the id in the path' }] };
  }
  if (serializedSize({ id, updatedAt: Number.MAX_SAFE_INTEGER, ...fields }) > MAX_RECORD_BYTES) {
    return { ok: false, issues: [{ path: '', message: `record is larger than ${MAX_RECORD_BYTES} bytes` }] };
  }
  return { ok: true, fields };
}
