// What save() stores (protocol §3, forward compatibility): the app's
// fields, checked against its collection's schema as this build knows it,
// and the fields this build does not know carried over from the stored
// record — so an app older than the backend, saving from a form that holds
// only the fields it knows, never erases one a newer app or the web wrote.
// Pure: no store, no clock.
import * as z from 'zod';
import {
  capIssue,
  firstIllFormedString,
  ILL_FORMED_MESSAGE,
  type Issue,
  recordId,
  serializedSize,
  timestampMs,
  toIssues,
  type WireRecord,
} from '../protocol/fields.ts';
import { MAX_RECORD_BYTES } from '../protocol/limits.ts';

/** Members the sync sets, never the app: left out of what save() is given. */
const SYNC_MEMBERS = new Set(['id', 'updatedAt', 'deleted', 'updatedBy', 'base']);

export type Prepared = { ok: true; record: WireRecord } | { ok: false; issues: Issue[] };

/**
 * The version save() stores: `id`, the device's `updatedAt`, and the
 * record's fields. Known fields are the app's, as given (a replace, not a
 * patch: a known optional field left out is gone). A field this build does
 * not know is the backend's: taken from `held` (the stored record) whether
 * the app passed it or not, and refused (`unknown field`) when `held` does
 * not have it — a typo is caught here, not by the server. The same holds in
 * nested objects; a list's elements are the app's as given. Known fields
 * must pass the schema; no string may hold a lone surrogate (§3).
 */
export function recordToSave(
  fields: z.ZodObject,
  input: unknown,
  held: WireRecord | undefined,
  id: string,
  updatedAt: number,
): Prepared {
  if (!isPlainObject(input)) return { ok: false, issues: [{ path: '', message: 'expected object' }] };
  const issues: Issue[] = [];
  const before = held && !held.deleted ? withoutSyncMembers(held) : undefined;
  const own = carryOver(fields, withoutSyncMembers(input), before, [], issues);
  const record: WireRecord = { id, updatedAt, ...own };
  const illFormed = firstIllFormedString(record);
  if (illFormed !== null) return { ok: false, issues: [capIssue(illFormed, ILL_FORMED_MESSAGE)] };
  for (const [path, schema, value] of [
    ['id', recordId, id],
    ['updatedAt', timestampMs, updatedAt],
  ] as const) {
    const checked = schema.safeParse(value);
    if (!checked.success) issues.push(...toIssues(checked.error).map((i) => capIssue(path, i.message)));
  }
  const checked = fields.safeParse(knownPart(fields, own));
  if (!checked.success) issues.push(...toIssues(checked.error));
  if (issues.length === 0 && serializedSize(record) > MAX_RECORD_BYTES) {
    issues.push({ path: '', message: `record is larger than ${MAX_RECORD_BYTES} bytes` });
  }
  return issues.length === 0 ? { ok: true, record } : { ok: false, issues };
}

/** What of `value` the schema knows, at every depth (list elements included): the rest left out. */
export function knownPart(schema: z.ZodType, value: unknown): unknown {
  const inner = unwrapped(schema);
  if (inner instanceof z.ZodObject && isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => Object.hasOwn(inner.shape, key))
        .map(([key, member]) => [key, knownPart(inner.shape[key] as z.ZodType, member)]),
    );
  }
  if (inner instanceof z.ZodArray && Array.isArray(value))
    return value.map((v) => knownPart(inner.element as z.ZodType, v));
  return value;
}

/** The record's own fields: without `id`, `updatedAt`, `deleted`, `updatedBy` and `base`. */
export function withoutSyncMembers(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !SYNC_MEMBERS.has(key)));
}

function carryOver(
  schema: z.ZodObject,
  given: Record<string, unknown>,
  held: Record<string, unknown> | undefined,
  path: string[],
  issues: Issue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue; // a form's empty optional field: absent
    if (Object.hasOwn(schema.shape, key)) {
      const nested = unwrapped(schema.shape[key] as z.ZodType);
      const before = held?.[key];
      out[key] =
        nested instanceof z.ZodObject && isPlainObject(value)
          ? carryOver(nested, value, isPlainObject(before) ? before : undefined, [...path, key], issues)
          : value;
    } else if (held !== undefined && Object.hasOwn(held, key)) {
      out[key] = held[key];
    } else {
      issues.push(capIssue([...path, key].join('.'), 'unknown field'));
    }
  }
  for (const [key, value] of Object.entries(held ?? {})) {
    if (!Object.hasOwn(schema.shape, key) && !Object.hasOwn(out, key)) out[key] = value;
  }
  return out;
}

/** The schema under `.optional()`, `.nullable()` and `.default()`. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable || inner instanceof z.ZodDefault) {
    inner = inner.unwrap() as z.ZodType;
  }
  return inner;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
