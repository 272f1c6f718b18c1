import { describe, expect, it } from 'vitest';
import { decidePush, effectiveUpdatedAt, webStamp, writes } from '../../functions/core/reconcile.ts';
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
  ];
  for (const [name, updatedAt, clientTime, expected] of rows) {
    it(name, () => expect(effectiveUpdatedAt(updatedAt, clientTime, server)).toBe(expected));
  }
});

describe('webStamp: web writes always win', () => {
  const now = 1_764_000_000_000;
  it('uses the server clock for a new record', () => expect(webStamp(now, undefined)).toBe(now));
  it('uses the server clock over an older version', () =>
    expect(webStamp(now, { updatedAt: now - 10, deleted: false, writer: 'ipad-7' })).toBe(now));
  it('stamps one ms past a version at or ahead of the server clock', () => {
    expect(webStamp(now, { updatedAt: now, deleted: false, writer: 'web:bob' })).toBe(now + 1);
    expect(webStamp(now, { updatedAt: now + 50, deleted: false, writer: 'web:bob' })).toBe(now + 51);
  });
});
