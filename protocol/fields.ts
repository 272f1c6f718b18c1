// The building blocks every collection's schema and every record share:
// ids, timestamps, who wrote a version, validation issues in the API's
// words, and what a collection's registration holds (collections.ts). No
// Node APIs: the client imports this too.
import * as z from 'zod';

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

/** A record's own fields, without `id`, `updatedAt`, `deleted` and `updatedBy`. */
export type RecordFields = Record<string, unknown>;

/**
 * A record as the wire carries it, of any collection: `id`, `updatedAt`,
 * `deleted` for a tombstone, `updatedBy` on what the server returns, and
 * the collection's fields (typed per collection in records.ts).
 */
export type WireRecord = {
  id: string;
  updatedAt: number;
  deleted?: boolean;
  updatedBy?: UpdatedBy | null;
  [field: string]: unknown;
};

/**
 * One collection, registered once in collections.ts: its fields, and how an
 * app shows it. Everything else — the API's schemas, the OpenAPI document,
 * the SDK's typed API, the reference app's screens — is derived from this.
 */
export type CollectionSpec<F extends z.ZodObject = z.ZodObject> = {
  /** The collection's own fields, each with its rule; a field's `.meta({ title })` labels it in forms and docs. */
  fields: F;
  /** One record in words ("product"), for messages and the OpenAPI schema names. */
  singular: string;
  /** The field a record is listed by. */
  title: keyof z.output<F> & string;
  /** The fields (dotted paths into the record, `lines.0.productId`) a form for a new record asks for. */
  form: readonly string[];
  /** What a new record made from that form holds besides. */
  defaults: Partial<z.input<F>>;
};

/** A registration, checked against its fields' own types. */
export const defineCollection = <F extends z.ZodObject>(spec: CollectionSpec<F>): CollectionSpec<F> => spec;

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

/** A UTF-16 surrogate without its other half: text no other platform can represent. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path of the first string (value or member name) in `value` that is not
 * well-formed Unicode, or null when all are. Records must not hold one: RFC
 * 8785, and so the content hash, cannot represent it the same way everywhere.
 */
export function firstIllFormedString(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path.join('.') : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, member] of Object.entries(value)) {
    if (LONE_SURROGATE.test(key)) return [...path, '(a member name)'].join('.');
    const found = firstIllFormedString(member, [...path, key]);
    if (found !== null) return found;
  }
  return null;
}

export const ILL_FORMED_MESSAGE = 'must be well-formed Unicode (no lone surrogate)';

const utf8 = new TextEncoder();

/** UTF-8 bytes of a value's JSON. */
export function serializedSize(value: unknown): number {
  return utf8.encode(JSON.stringify(value)).length;
}
