import { describe, expect, it } from 'vitest';
import { contentHash, decidePush, effectiveUpdatedAt, webStamp, writes } from '../../functions/core/reconcile.ts';
import { reconcileCases } from '../support/reconcile-cases.ts';

describe('decidePush: every row of the rules table', () => {
  for (const c of reconcileCases) {
    it(c.name, () => expect(decidePush(c.current, c.incoming)).toBe(c.expected));
  }
});

describe('writes', () => {
  it('writes only created and updated', () => {
    expect((['created', 'updated', 'unchanged', 'stale', 'deleted'] as const).filter(writes)).toStrictEqual([
      'created',
      'updated',
    ]);
  });
});

describe('effectiveUpdatedAt: clock-skew correction', () => {
  const server = 1_764_000_000_000;
  const HOUR = 3_600_000;
  const rows: [string, number, number, number][] = [
    // [case, device updatedAt, device clientTime, expected]
    ['correct clock: unchanged', server - 5000, server, server - 5000],
    ['device 3 h behind: moved forward 3 h', server - 3 * HOUR - 5000, server - 3 * HOUR, server - 5000],
    ['device 3 h ahead: moved back 3 h', server + 3 * HOUR - 5000, server + 3 * HOUR, server - 5000],
    ['stamped in the device future: clamped to server now', server + 60_000, server, server],
    ['ahead clock, stamped after sending: clamped', server + HOUR + 10, server + HOUR, server],
    ['edit made a week ago offline: keeps its age', server - 7 * 24 * HOUR, server, server - 7 * 24 * HOUR],
    // A clock decades ahead (clientTime near 2^53) would otherwise store a date long before 2000.
    ['clock decades ahead: clamped to the year 2000', server - 5000, Number.MAX_SAFE_INTEGER, 946_684_800_001],
    ['an ahead clock correcting to before 2000: clamped', 946_684_800_500, server + 10_000, 946_684_800_001],
  ];
  for (const [name, updatedAt, clientTime, expected] of rows) {
    it(name, () => expect(effectiveUpdatedAt(updatedAt, clientTime, server)).toBe(expected));
  }
});

describe('webStamp: web writes always win', () => {
  const now = 1_764_000_000_000;
  it('uses the server clock for a new record', () => expect(webStamp(now, undefined)).toBe(now));
  it('uses the server clock over an older version', () =>
    expect(webStamp(now, { updatedAt: now - 10, deleted: false, writer: 'device#ipad-7#alice' })).toBe(now));
  it('stamps one ms past a version at or ahead of the server clock', () => {
    expect(webStamp(now, { updatedAt: now, deleted: false, writer: 'web#bob' })).toBe(now + 1);
    expect(webStamp(now, { updatedAt: now + 50, deleted: false, writer: 'web#bob' })).toBe(now + 51);
  });
});

describe('contentHash: what makes a retry the same version', () => {
  it('ignores key order, and tells content and tombstones apart', () => {
    expect(contentHash(false, { a: 1, b: { c: 2, d: 3 } })).toBe(contentHash(false, { b: { d: 3, c: 2 }, a: 1 }));
    expect(contentHash(false, { a: 1 })).not.toBe(contentHash(false, { a: 2 }));
    expect(contentHash(false, { tags: ['x', 'y'] })).not.toBe(contentHash(false, { tags: ['y', 'x'] }));
    expect(contentHash(true, undefined)).not.toBe(contentHash(false, {}));
    expect(contentHash(true, undefined)).toBe(contentHash(true, { name: 'ignored on a tombstone' }));
  });
});
