// The client's rules (client/apply.ts) against the conformance vectors a
// client on any platform runs: docs/conformance/apply-rules.json, every
// case of E1–E2 and A1–A11, each through the pure rules alone.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ApplyRules, editedRow, stampFor } from '../../client/apply.ts';
import { keyOf, type LocalRow, type StoredDiscardedEdit } from '../../client/local-store.ts';
import { pushResult } from '../../protocol/responses.ts';

const FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'conformance', 'apply-rules.json');

const record = z.looseObject({ id: z.string(), updatedAt: z.number(), deleted: z.boolean().optional() });
const issue = z.object({ path: z.string(), message: z.string() });
const version = z.object({ updatedAt: z.number(), contentHash: z.string().regex(/^[0-9a-f]{64}$/) });
const row = z.strictObject({
  record,
  pending: z.boolean(),
  lost: z.boolean(),
  base: z.number().nullable(),
  backend: version.nullable(),
  issues: z.array(issue).optional(),
});
const discarded = z.strictObject({
  reason: z.enum(['stale', 'deleted']),
  local: record,
  winner: z.strictObject({
    updatedAt: z.number(),
    updatedBy: z.object({ userId: z.string(), deviceId: z.string().nullable() }).nullable(),
    record: record.nullable(),
  }),
  at: z.number(),
});
const rule = (prefix: 'A' | 'E') => z.string().regex(new RegExp(`^${prefix}\\d+$`));
const outcome = z.strictObject({ row: row.nullable(), discarded: discarded.nullable() });

const vectors = z
  .strictObject({
    about: z.string(),
    now: z.number(),
    stamps: z.array(
      z.strictObject({
        name: z.string(),
        rule: rule('E'),
        clock: z.number(),
        previous: z.number(),
        base: z.number().nullable(),
        expected: z.number(),
      }),
    ),
    edits: z.array(
      z.strictObject({
        name: z.string(),
        rule: rule('E'),
        row: row.nullable(),
        expected: z.strictObject({ base: z.number().nullable() }),
      }),
    ),
    pushResults: z.array(
      z.strictObject({
        name: z.string(),
        rule: rule('A'),
        row,
        pushed: z.union([z.literal('row'), z.strictObject({ record })]),
        result: z.union([
          z.strictObject({
            status: z.enum(['created', 'updated', 'unchanged', 'stale', 'deleted']),
            updatedAt: z.number(),
          }),
          z.strictObject({ status: z.literal('invalid'), issues: z.array(issue) }),
        ]),
        discarded: discarded.nullable(),
        expected: outcome,
      }),
    ),
    pulled: z.array(
      z.strictObject({
        name: z.string(),
        rule: rule('A'),
        row: row.nullable(),
        pulled: record,
        discarded: discarded.nullable(),
        expected: outcome,
      }),
    ),
    repair: z.array(
      z.strictObject({
        name: z.string(),
        rule: rule('A'),
        row: row.nullable(),
        listed: record.nullable(),
        expected: z.strictObject({ row: row.nullable(), change: z.enum(['stored', 'removed']).nullable() }),
      }),
    ),
  })
  .parse(JSON.parse(readFileSync(FILE, 'utf8')));

const COLLECTION = 'products';
const ID = 'p-1';
const key = { collection: COLLECTION, id: ID };

/** A vector's row as the SDK keeps it; `editSeq` only tells this edit from an earlier one. */
const localRow = (r: z.infer<typeof row>, editSeq = 2): LocalRow => ({
  collection: COLLECTION,
  id: r.record.id,
  record: r.record,
  pending: r.pending,
  editSeq,
  issues: r.issues ?? null,
  mark: null,
  base: r.base,
  backend: r.backend,
  lost: r.lost,
});

/** The SDK's row as a vector states one. */
const vectorRow = (r: LocalRow | undefined) =>
  r === undefined
    ? null
    : {
        record: r.record,
        pending: r.pending,
        lost: r.lost,
        base: r.base,
        backend: r.backend,
        ...(r.issues === null ? {} : { issues: r.issues }),
      };

const storedDiscard = (d: z.infer<typeof discarded> | null): StoredDiscardedEdit | undefined =>
  d === null ? undefined : { collection: COLLECTION, id: ID, ...d };

/** Runs `rules` over the case's row and discarded edit; the row and the discarded edit after, as the store would hold them. */
function run(held: LocalRow | undefined, lost: StoredDiscardedEdit | undefined, rules: (r: ApplyRules) => void) {
  const plan = new ApplyRules(
    {
      row: (k) => (keyOf(k) === keyOf(key) ? held : undefined),
      discarded: (k) => (keyOf(k) === keyOf(key) ? lost : undefined),
    },
    { mark: null, now: vectors.now },
  );
  rules(plan);
  const decided = plan.decided();
  const put = decided.put.find((r) => keyOf(r) === keyOf(key));
  const removed = decided.remove.some((r) => keyOf(r) === keyOf(key));
  const kept = decided.discard.find((d) => keyOf(d) === keyOf(key));
  const forgotten = decided.forget.some((d) => keyOf(d) === keyOf(key));
  const { collection: _c, id: _i, ...after } = kept ?? (forgotten ? {} : (lost ?? {}));
  return {
    row: vectorRow(put ?? (removed ? undefined : held)),
    discarded: kept || (!forgotten && lost) ? after : null,
    decided,
  };
}

describe('E1: stamps', () => {
  for (const c of vectors.stamps) {
    it(c.name, () => expect(stampFor(c.clock, c.previous, c.base)).toBe(c.expected));
  }
});

describe('E2: the base of an edit', () => {
  for (const c of vectors.edits) {
    it(c.name, () => {
      const before = c.row === null ? undefined : localRow(c.row);
      const edit = { id: ID, updatedAt: vectors.now, name: 'edited' };
      const after = editedRow(COLLECTION, edit, 3, before);
      expect(after.base).toBe(c.expected.base);
      expect(after).toMatchObject({ pending: true, lost: false, issues: null, record: edit });
    });
  }
});

describe('A1–A5: push results', () => {
  for (const c of vectors.pushResults) {
    it(`${c.name} (${c.rule})`, () => {
      const held = localRow(c.row);
      // The version pushed: the row's own, or an earlier edit of the same record (the rep edited it since).
      const pushed = c.pushed === 'row' ? held : { ...held, record: c.pushed.record, editSeq: 1, lost: false };
      const result = pushResult.parse({ id: ID, ...c.result });
      const after = run(held, storedDiscard(c.discarded), (rules) => {
        expect(rules.pushResults([pushed], { [COLLECTION]: [result] })).toStrictEqual([{ pushed, result }]);
      });
      expect({ row: after.row, discarded: after.discarded }).toStrictEqual(c.expected);
    });
  }
});

describe('A6–A9: pulled records', () => {
  for (const c of vectors.pulled) {
    it(`${c.name} (${c.rule})`, () => {
      const held = c.row === null ? undefined : localRow(c.row);
      const after = run(held, storedDiscard(c.discarded), (rules) => rules.page({ [COLLECTION]: [c.pulled] }));
      expect({ row: after.row, discarded: after.discarded }).toStrictEqual(c.expected);
      // A removal is guarded by the edit counter the rule read: an edit made meanwhile survives it.
      for (const r of after.decided.remove) expect(r.ifEditSeqAtMost).toBe(held?.editSeq);
    });
  }
});

describe('A10–A11: a repair of one range', () => {
  for (const c of vectors.repair) {
    it(`${c.name} (${c.rule})`, () => {
      const held = c.row === null ? undefined : localRow(c.row);
      let change: { stored: string[]; removed: string[] } = { stored: [], removed: [] };
      const after = run(held, undefined, (rules) => {
        change = rules.repair(COLLECTION, c.listed === null ? [] : [c.listed], held === undefined ? [] : [held]);
      });
      expect(after.row).toStrictEqual(c.expected.row);
      const expected = { stored: [] as string[], removed: [] as string[] };
      if (c.expected.change !== null) expected[c.expected.change].push(ID);
      expect({ stored: change.stored, removed: change.removed }).toStrictEqual(expected);
    });
  }
});

describe('results that do not answer what was pushed', () => {
  const held = localRow({ record: { id: ID, updatedAt: 1 }, pending: true, lost: false, base: null, backend: null });
  const rules = () => new ApplyRules({ row: () => held, discarded: () => undefined }, { mark: null, now: 0 });

  it('are not the API: another count, or another id', () => {
    const result = { id: ID, status: 'created' as const, updatedAt: 2 };
    expect(() => rules().pushResults([held], { [COLLECTION]: [result, result] })).toThrow(/2 push results for 1/);
    expect(() => rules().pushResults([held], { [COLLECTION]: [{ ...result, id: 'p-2' }] })).toThrow(/p-2/);
  });

  it('are matched per collection: the same id in two collections gets each its own', () => {
    const customer = { ...held, collection: 'customers', editSeq: 3 };
    const plan = new ApplyRules(
      { row: (k) => (k.collection === COLLECTION ? held : customer), discarded: () => undefined },
      { mark: null, now: 0 },
    );
    plan.pushResults([held, customer], {
      customers: [{ id: ID, status: 'stale', updatedAt: 9 }],
      [COLLECTION]: [{ id: ID, status: 'created', updatedAt: 2 }],
    });
    const { put, discard } = plan.decided();
    expect(put.map((r) => [r.collection, r.pending, r.lost])).toStrictEqual([
      ['customers', true, true],
      [COLLECTION, false, false],
    ]);
    expect(discard.map((d) => d.collection)).toStrictEqual(['customers']);
  });
});
