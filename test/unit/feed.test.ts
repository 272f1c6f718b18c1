// Where a Sync Now pass stands and how it moves (core/feed.ts), as tables;
// and what a record costs in a response (core/page-budget.ts).
import { describe, expect, it } from 'vitest';
import {
  advance,
  type FeedConfig,
  isComplete,
  isEcho,
  nextPass,
  type SyncPosition,
  startPosition,
} from '../../functions/core/feed.ts';
import { pageBudget, WorkBudget, wireCost } from '../../functions/core/page-budget.ts';

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;
const config: FeedConfig = { lookbackMs: 120_000, tombstoneRetentionMs: 90 * DAY };

describe('startPosition', () => {
  const rows: [string, SyncPosition | null, SyncPosition][] = [
    ['no cursor: a snapshot pass starting now', null, { since: null, start: NOW }],
    ['a finished pass: the feed from its since, starting now', { since: NOW - DAY }, { since: NOW - DAY, start: NOW }],
    [
      'a finished pass older than tombstone retention: a reset snapshot',
      { since: NOW - 91 * DAY },
      { since: null, start: NOW, reset: true },
    ],
    [
      'mid-pass: carries on exactly where it stood',
      { since: NOW - DAY, start: NOW - 5000, col: 1, key: { id: 'p9', changedAt: NOW - 6000 }, owed: [[0, 'p1']] },
      { since: NOW - DAY, start: NOW - 5000, col: 1, key: { id: 'p9', changedAt: NOW - 6000 }, owed: [[0, 'p1']] },
    ],
    [
      'mid-pass, resumed after tombstone retention: a reset snapshot (deletions it needs may be gone)',
      { since: NOW - 91 * DAY, start: NOW - 91 * DAY + 5000, col: 1, owed: [[0, 'p1']] },
      { since: null, start: NOW, reset: true },
    ],
    [
      'mid-pass of a reset: still a reset',
      { since: null, start: NOW - 5000, col: 2, reset: true },
      { since: null, start: NOW - 5000, col: 2, reset: true },
    ],
  ];
  it.each(rows)('%s', (_, previous, expected) => {
    expect(startPosition(previous, NOW, config)).toStrictEqual(expected);
  });
});

describe('advance, isComplete and nextPass', () => {
  const rows: [string, SyncPosition, number, { id: string } | undefined, [number, string][], SyncPosition, boolean][] =
    [
      [
        'more to read in a collection',
        { since: null, start: NOW },
        1,
        { id: 'c7' },
        [],
        { since: null, start: NOW, col: 1, key: { id: 'c7' } },
        false,
      ],
      [
        'all read, nothing owed: complete',
        { since: 5, start: NOW, col: 2 },
        3,
        undefined,
        [],
        { since: 5, start: NOW, col: 3 },
        true,
      ],
      [
        'all read but a winner still owed: not complete',
        { since: 5, start: NOW },
        3,
        undefined,
        [[0, 'p1']],
        { since: 5, start: NOW, col: 3, owed: [[0, 'p1']] },
        false,
      ],
      [
        'owed delivered: the list goes',
        { since: 5, start: NOW, col: 3, owed: [[0, 'p1']] },
        3,
        undefined,
        [],
        { since: 5, start: NOW, col: 3 },
        true,
      ],
    ];
  it.each(rows)('%s', (_, position, col, key, owed, expected, complete) => {
    const next = advance(position, col, key, owed);
    expect(next).toStrictEqual(expected);
    expect(isComplete(next, 3)).toBe(complete);
  });

  it('the next pass reads from the pass start less the lookback, never earlier than this pass did', () => {
    expect(nextPass({ since: null, start: NOW, col: 3 }, NOW, 120_000)).toStrictEqual({ since: NOW - 120_000 });
    expect(nextPass({ since: NOW - 1000, start: NOW, col: 3 }, NOW, 120_000)).toStrictEqual({ since: NOW - 1000 });
  });

  it('an echo is exactly the version this request wrote', () => {
    const written = new Map([['p1', 100]]);
    expect(isEcho(100, written, 'p1')).toBe(true);
    expect(isEcho(101, written, 'p1')).toBe(false);
    expect(isEcho(100, written, 'p2')).toBe(false);
    expect(isEcho(100, undefined, 'p1')).toBe(false);
  });
});

describe('page budget: a record costs its escaped size in the proxy result', () => {
  it('counts quotes, control and non-ASCII characters as they travel', () => {
    const plain = { id: 'p1', name: 'abc' };
    // Its JSON, each of its 8 quotes escaped once more, and a separating comma.
    expect(wireCost(plain)).toBe(JSON.stringify(plain).length + 8 + 1);
    const quotes = { id: 'p1', description: '"'.repeat(100) };
    expect(wireCost(quotes)).toBeGreaterThan(4 * 100); // " → \" in the body → \\\" in the proxy result
    const control = { id: 'p1', description: '\u0001'.repeat(100) };
    expect(wireCost(control)).toBeGreaterThan(6 * 100); // \u0001 in the body, \\u0001 in the proxy result
    // Concatenated, the parts cost what the whole costs (separators included).
    const whole = JSON.stringify(JSON.stringify([plain, quotes, control])).length - 2 - 2;
    expect(wireCost(plain) + wireCost(quotes) + wireCost(control) - 1).toBe(whole);
  });

  it('takes only what fits, and a reservation comes off the top', () => {
    const record = (bytes: number) => ({ d: 'x'.repeat(bytes - wireCost({ d: '' })) });
    expect(wireCost(record(60))).toBe(60);
    const budget = pageBudget(null, 1000 - 100, 1000);
    expect(budget.take(record(60))).toBe(true);
    expect(budget.take(record(60))).toBe(false);
    expect(budget.take(record(40))).toBe(true);
    expect(budget.take(record(13))).toBe(false); // the smallest record there is
  });

  it('bounds the work of a request', () => {
    const work = new WorkBudget();
    expect(work.exhausted).toBe(false);
    work.spend(work.itemsLeft);
    expect(work.exhausted).toBe(true);
  });
});
