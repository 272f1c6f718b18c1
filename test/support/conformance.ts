// The conformance vectors of docs/conformance/ (the ones a client on another
// platform runs), read and typed: the project's own tests run the same files.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { effectiveUpdatedAt, type IncomingVersion, type StoredVersion } from '../../functions/core/reconcile.ts';
import { contentHash, TOMBSTONE_HASH } from '../../protocol/content-hash.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'conformance');
const read = <T>(file: string, schema: z.ZodType<T>): T =>
  schema.parse(JSON.parse(readFileSync(join(DIR, file), 'utf8')));

const content = z.record(z.string(), z.unknown());

const backend = z.union([
  z.object({ updatedAt: z.number(), deleted: z.literal(false), content, hashed: z.literal(false).optional() }),
  z.object({ updatedAt: z.number(), deleted: z.literal(true) }),
]);

const pushed = z.object({
  updatedAt: z.number(),
  clientTime: z.number(),
  base: z.number().nullable().optional(),
  deleted: z.literal(true).optional(),
  content: content.optional(),
});

export const pushDecisions = read(
  'push-decisions.json',
  z.object({
    serverNow: z.number(),
    tombstoneRetentionDays: z.number(),
    cases: z.array(
      z.object({
        name: z.string(),
        rule: z.enum(['B1', 'B2', 'B3', 'B4', 'B5', 'B6']),
        backend: backend.nullable(),
        push: pushed,
        expected: z.object({
          status: z.enum(['created', 'updated', 'unchanged', 'stale', 'deleted']),
          updatedAt: z.number(),
        }),
      }),
    ),
  }),
);
export type PushDecisionCase = (typeof pushDecisions.cases)[number];

export const skewCases = read(
  'skew.json',
  z.object({
    receivedAt: z.number(),
    cases: z.array(
      z.object({ name: z.string(), updatedAt: z.number(), clientTime: z.number(), effective: z.number() }),
    ),
  }),
);

export const contentHashCases = read(
  'content-hash.json',
  z.object({
    cases: z.array(z.object({ name: z.string(), record: content, canonical: z.string(), contentHash: z.string() })),
    illFormed: z.object({ cases: z.array(z.object({ name: z.string(), record: content, path: z.string() })) }),
  }),
);

export const digestCases = read(
  'digests.json',
  z.object({
    cases: z.array(
      z.object({
        name: z.string(),
        records: z.array(z.object({ id: z.string(), updatedAt: z.number(), contentHash: z.string() })),
        v1: z.string(),
        v2: z.string(),
      }),
    ),
  }),
);

/** The pushed record as a device sends it. */
export function pushedRecord(id: string, push: PushDecisionCase['push']): Record<string, unknown> {
  return {
    id,
    updatedAt: push.updatedAt,
    ...(push.base !== undefined ? { base: push.base } : {}),
    ...(push.deleted ? { deleted: true } : push.content),
  };
}

/** What the backend holds in a case, as the rules see it. */
export function storedOf(c: PushDecisionCase): StoredVersion | undefined {
  const { backend } = c;
  if (backend === null) return undefined;
  if (backend.deleted) return { updatedAt: backend.updatedAt, deleted: true, contentHash: TOMBSTONE_HASH };
  return {
    updatedAt: backend.updatedAt,
    deleted: false,
    ...(backend.hashed === false ? {} : { contentHash: contentHash(backend.content) }),
  };
}

/** The pushed version as the server sees it: skew-corrected at serverNow, its content hashed. */
export function incomingOf(c: PushDecisionCase): IncomingVersion {
  return {
    updatedAt: effectiveUpdatedAt(c.push.updatedAt, c.push.clientTime, pushDecisions.serverNow),
    clientUpdatedAt: c.push.updatedAt,
    deleted: c.push.deleted === true,
    contentHash: contentHash(pushedRecord('x', c.push)),
    base: c.push.base ?? null,
  };
}
