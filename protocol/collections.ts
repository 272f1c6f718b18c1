// The synced collections: one zod schema of fields each (docs/protocol.md, "Records"). Adding a
// collection is one schema here and one entry in `collections`; every handler,
// the store, the cursor, the OpenAPI document and the client pick it up from
// this registry. No Node APIs: the client imports this too.
import * as z from 'zod';
import { MAX_RECORD_BYTES } from './limits.ts';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** 2000-01-01T00:00:00Z: anything older is a broken device clock or a seconds/ms mix-up. */
export const MIN_TIMESTAMP_MS = 946_684_800_000;

export const recordId = z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`);
export const deviceId = z.string().regex(DEVICE_ID_PATTERN, `must match ${DEVICE_ID_PATTERN.source}`);
/** ms since epoch, after the year 2000 and a safe integer (≤ 2^53 − 1). */
export const timestampMs = z
  .number()
  .int()
  .gt(MIN_TIMESTAMP_MS, 'must be ms since epoch after the year 2000')
  .lte(Number.MAX_SAFE_INTEGER);

/** Who wrote the version the backend holds; `deviceId` is null for the Main App (web). Set by the server, never read from a request. */
export const updatedBy = z.strictObject({ userId: z.string(), deviceId: deviceId.nullable() });
export type UpdatedBy = z.infer<typeof updatedBy>;

const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
const cents = z.number().int().min(0).max(1e12);
const notes = z.string().max(5000);

const product = z.object({
  name: z.string().min(1).max(200),
  sku: z.string().min(1).max(64),
  priceCents: cents,
  currency,
  stockOnHand: z.number().int().optional(),
  description: z.string().max(5000).optional(),
  tags: z.array(z.string().min(1).max(50)).max(50).optional(),
});

const customer = z.object({
  name: z.string().min(1).max(200),
  email: z.email().optional(),
  phone: z.string().max(40).optional(),
  address: z
    .strictObject({
      line1: z.string().min(1).max(200),
      line2: z.string().max(200).optional(),
      city: z.string().min(1).max(100),
      region: z.string().max(100).optional(),
      postalCode: z.string().max(20).optional(),
      country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as DE'),
    })
    .optional(),
  notes: notes.optional(),
});

const order = z.object({
  customerId: recordId,
  status: z.enum(['draft', 'submitted', 'fulfilled', 'cancelled']),
  currency,
  lines: z
    .array(
      z.strictObject({
        productId: recordId,
        quantity: z.number().int().min(1).max(1e6),
        unitPriceCents: cents,
      }),
    )
    .min(1)
    .max(500),
  notes: notes.optional(),
});

export const collections = {
  products: product,
  customers: customer,
  orders: order,
} as const;

export type CollectionName = keyof typeof collections;
export type Product = z.infer<typeof product>;
export type Customer = z.infer<typeof customer>;
export type Order = z.infer<typeof order>;

export const collectionNames = Object.keys(collections) as CollectionName[];

export function isCollectionName(name: string): name is CollectionName {
  return Object.hasOwn(collections, name);
}

/** A record's own fields, without `id`, `updatedAt` and `deleted`. */
export type RecordFields = Record<string, unknown>;

/** What the backend holds and returns for one record. */
export type SyncedRecord =
  | ({ id: string; updatedAt: number; deleted?: false; updatedBy: UpdatedBy } & RecordFields)
  | { id: string; updatedAt: number; deleted: true; updatedBy: UpdatedBy };

/** A version pushed by a device, after validation. */
export type DeviceChange =
  | { id: string; updatedAt: number; deleted: false; fields: RecordFields }
  | { id: string; updatedAt: number; deleted: true };

export type Issue = { path: string; message: string };

/** At most this many issues per invalid record or request, each path and message cut to MAX_ISSUE_TEXT characters. */
export const MAX_ISSUES = 20;
export const MAX_ISSUE_TEXT = 200;

/**
 * zod's issues as the API reports them: the first MAX_ISSUES, each naming
 * the offending key or value by its path and saying what was expected in
 * our words, never quoting the input (so a response stays about as large as
 * its request, whatever it held).
 */
export function toIssues(error: z.ZodError): Issue[] {
  const issues: Issue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push(capIssue([...path, key].join('.'), 'unknown field'));
    } else {
      issues.push(capIssue(path.join('.'), describe(issue)));
    }
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues.slice(0, MAX_ISSUES);
}

export function capIssue(path: string, message: string): Issue {
  return { path: path.slice(0, MAX_ISSUE_TEXT), message: message.slice(0, MAX_ISSUE_TEXT) };
}

/** What was expected, from the schema's side of the issue only. */
function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.endsWith('received undefined') ? 'required' : `expected ${issue.expected}`;
    case 'too_big':
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}${unitOf(issue.origin)}`;
    case 'too_small':
      return `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}${unitOf(issue.origin)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      // Our own formats carry our own messages ("must match …"); zod's built-ins are named.
      return issue.format === 'regex' ? issue.message : `must be a valid ${issue.format}`;
    case 'custom':
      return issue.message;
    default:
      return 'invalid value';
  }
}

function unitOf(origin: string): string {
  if (origin === 'string') return ' characters';
  if (origin === 'array' || origin === 'set') return ' items';
  return '';
}

type Schemas = {
  /** A live record as the backend returns it (less `updatedBy`). */
  live: z.ZodType<{ id: string; updatedAt: number } & RecordFields>;
  /** A live record as the backend returns it, with who wrote it. */
  returned: z.ZodType<{ id: string; updatedAt: number; updatedBy: UpdatedBy } & RecordFields>;
  /** A live record as a device pushes it: `live`, and an `updatedBy` that is ignored. */
  pushable: z.ZodType<{ id: string; updatedAt: number } & RecordFields>;
  /** A pushed tombstone: `id`, `updatedAt`, `deleted: true`; the collection's own fields may ride along, unchecked and dropped. */
  tombstone: z.ZodType<{ id: string; updatedAt: number; deleted: true }>;
  /** A Main App (web) PUT body: the collection's fields and an optional `id`. */
  webBody: z.ZodType<RecordFields & { id?: string }>;
};

/** A tombstone as the backend returns it. */
export const tombstoneRecord = z.strictObject({
  id: recordId,
  updatedAt: timestampMs,
  deleted: z.literal(true),
  updatedBy,
});

// Derived once per collection, never restated by hand (STYLE §3).
function deriveSchemas(fields: z.ZodObject): Schemas {
  const live = fields.extend({ id: recordId, updatedAt: timestampMs, deleted: z.literal(false).optional() }).strict();
  // A fetched record sent back as is carries `updatedBy`: ignored, like `updatedAt` on the web.
  const pushable = live.extend({ updatedBy: z.unknown().optional() });
  const returned = live.extend({ updatedBy });
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
      updatedBy: z.unknown().optional(),
    })
    .strict()
    .transform(({ id, updatedAt }) => ({ id, updatedAt, deleted: true as const }));
  const webBody = fields.extend({ id: recordId.optional() }).strict();
  // zod types a generic object's output as Record<string, unknown>; the
  // extended keys are there by construction.
  return {
    live: live as unknown as Schemas['live'],
    pushable: pushable as unknown as Schemas['live'],
    returned: returned as unknown as Schemas['returned'],
    tombstone,
    webBody: webBody as Schemas['webBody'],
  };
}

/** Each collection's record schemas, derived from its fields: what the handlers validate with and the OpenAPI document describes. */
export const recordSchemas = Object.fromEntries(
  collectionNames.map((name) => [name, deriveSchemas(collections[name])]),
) as Record<CollectionName, Schemas>;

export type ParsedChange = { ok: true; change: DeviceChange } | { ok: false; issues: Issue[] };

/** Validates one pushed record (live or tombstone) of a collection. */
export function parseDeviceChange(collection: CollectionName, raw: unknown): ParsedChange {
  const schemas = recordSchemas[collection];
  const isTombstone = typeof raw === 'object' && raw !== null && (raw as { deleted?: unknown }).deleted === true;
  if (isTombstone) {
    const parsed = schemas.tombstone.safeParse(raw);
    return parsed.success ? { ok: true, change: parsed.data } : { ok: false, issues: toIssues(parsed.error) };
  }
  const early = firstIssuesInLists(collection, raw);
  if (early !== null) return { ok: false, issues: early };
  const parsed = schemas.pushable.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: toIssues(parsed.error) };
  const { id, updatedAt, deleted: _deleted, updatedBy: _updatedBy, ...fields } = parsed.data;
  if (serializedSize({ id, updatedAt, ...fields }) > MAX_RECORD_BYTES) {
    return { ok: false, issues: [{ path: '', message: `record is larger than ${MAX_RECORD_BYTES} bytes` }] };
  }
  return { ok: true, change: { id, updatedAt, deleted: false, fields } };
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
  for (const [field, schema] of Object.entries(collections[collection].shape)) {
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

const utf8 = new TextEncoder();

/** UTF-8 bytes of a value's JSON. */
export function serializedSize(value: unknown): number {
  return utf8.encode(JSON.stringify(value)).length;
}
