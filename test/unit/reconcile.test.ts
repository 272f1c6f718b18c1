// The reconcile rules against the conformance vectors (docs/conformance/):
// decidePush on every row of the push decision table; the same table cut
// into the at most two conditional writes the store makes (firstWrite,
// secondWrite), with their guards evaluated here as DynamoDB would; the skew
// correction; and the web stamp.
import { describe, expect, it } from 'vitest';
import {
  type DecisionClock,
  decideAfterSecondWrite,
  decidePush,
  effectiveUpdatedAt,
  firstWrite,
  type IncomingVersion,
  type StoredVersion,
  secondWrite,
  type WriteGuard,
  webStamp,
  writes,
} from '../../functions/core/reconcile.ts';
import { incomingOf, pushDecisions, skewCases, storedOf } from '../support/conformance.ts';

const DAY = 86_400_000;
const clock: DecisionClock = {
  now: pushDecisions.serverNow,
  tombstoneRetentionMs: pushDecisions.tombstoneRetentionDays * DAY,
};

/** A guard as DynamoDB evaluates it against the item (store/records-store.ts `conditionFor`). */
function holds(guard: WriteGuard, current: StoredVersion | undefined): boolean {
  if (current === undefined) return guard.ifMissing;
  if (current.deleted || current.contentHash === guard.contentHash) return false;
  return current.updatedAt === guard.ifAt || (guard.ifBefore !== undefined && current.updatedAt < guard.ifBefore);
}

describe('decidePush: every row of the push decision table', () => {
  it.each(pushDecisions.cases.map((c) => [`${c.rule} ${c.name}`, c] as const))('%s', (_, c) => {
    const decision = decidePush(storedOf(c), incomingOf(c), clock);
    expect(decision).toStrictEqual({ ...c.expected, rule: c.rule });
  });
});

describe('the same table in at most two conditional writes, and no reads', () => {
  it.each(pushDecisions.cases.map((c) => [`${c.rule} ${c.name}`, c] as const))('%s', (_, c) => {
    const current = storedOf(c);
    const incoming = incomingOf(c);
    const first = firstWrite(incoming, clock);
    if (holds(first.guard, current)) {
      expect(writes(c.expected.status), 'the first write lands only when the table writes').toBe(true);
      expect(first.storeAt).toBe(c.expected.updatedAt);
      expect(current === undefined ? 'created' : 'updated').toBe(c.expected.status);
      return;
    }
    // No other writer in between: the second write (if any) sees the same item.
    const second = secondWrite(current, incoming, clock);
    if (second === null) {
      expect(decidePush(current, incoming, clock)).toMatchObject(c.expected);
      return;
    }
    expect(holds(second.guard, current), 'a second write is due only if it will land on the same item').toBe(true);
    expect({ status: current === undefined ? 'created' : 'updated', updatedAt: second.storeAt }).toStrictEqual(
      c.expected,
    );
  });

  it('another writer between the two: the second write is B6, and its failure writes nothing more', () => {
    const T = pushDecisions.serverNow;
    // The device edited base T-60000 on a slow clock (its effective stamp is before base + 1) ...
    const incoming: IncomingVersion = {
      updatedAt: T - 70_000,
      clientUpdatedAt: T - 70_000,
      deleted: false,
      contentHash: 'mine',
      base: T - 60_000,
    };
    // ... but the backend was rolled back to an older version: the first write (B4 only) fails.
    const rolledBack: StoredVersion = { updatedAt: T - 90_000, deleted: false, contentHash: 'old' };
    expect(holds(firstWrite(incoming, clock).guard, rolledBack)).toBe(false);
    const second = secondWrite(rolledBack, incoming, clock);
    expect(second).toStrictEqual({
      storeAt: T - 70_000,
      guard: { ifMissing: true, contentHash: 'mine', ifBefore: T - 70_000 },
    });
    // The web wrote in between: the second write fails, and B6 names a status that writes nothing.
    const web: StoredVersion = { updatedAt: T - 1000, deleted: false, contentHash: 'web' };
    expect(holds(second!.guard, web)).toBe(false);
    expect(decideAfterSecondWrite(web, incoming, clock)).toStrictEqual({
      status: 'stale',
      rule: 'B6',
      updatedAt: T - 1000,
    });
    // Even an item whose updatedAt is the device's base again does not call for a third write.
    const atBase: StoredVersion = { updatedAt: T - 60_000, deleted: false, contentHash: 'again' };
    expect(writes(decideAfterSecondWrite(atBase, incoming, clock).status)).toBe(false);
  });
});

describe('writes', () => {
  it('writes only created and updated', () => {
    expect((['created', 'updated', 'unchanged', 'stale', 'deleted'] as const).filter(writes)).toStrictEqual([
      'created',
      'updated',
    ]);
  });
});

describe('effectiveUpdatedAt: clock-skew correction (docs/conformance/skew.json)', () => {
  it.each(skewCases.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(effectiveUpdatedAt(c.updatedAt, c.clientTime, skewCases.receivedAt)).toBe(c.effective);
  });
});

describe('webStamp: web writes always win', () => {
  const now = 1_764_000_000_000;
  it('uses the server clock for a new record', () => expect(webStamp(now, undefined)).toBe(now));
  it('uses the server clock over an older version', () =>
    expect(webStamp(now, { updatedAt: now - 10, deleted: false })).toBe(now));
  it('stamps one ms past a version at or ahead of the server clock', () => {
    expect(webStamp(now, { updatedAt: now, deleted: false })).toBe(now + 1);
    expect(webStamp(now, { updatedAt: now + 50, deleted: false })).toBe(now + 51);
  });
});
