// Where a Sync Now pass stands and how it moves (core/feed.ts), as tables;
// and what a record costs in a response (http/page-budget.ts).
import { describe, expect, it } from 'vitest';
import { WorkBudget } from '../../functions/core/budgets.ts';
import {
  advance,
  type FeedConfig,
  isComplete,
  isEcho,
  nextPass,
  type Owed,
  readingFrom,
  type SyncPosition,
  startPosition,
  syncPosition,
} from '../../functions/core/feed.ts';
import { pageBudget, wireCost } from '../../functions/http/page-budget.ts';

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
      {
        since: NOW - DAY,
        start: NOW - 5000,
        done: ['products'],
        col: 'customers',
        key: { id: 'c9', changedAt: NOW - 6000 },
        owed: [['products', 'p1']],
      },
      {
        since: NOW - DAY,
        start: NOW - 5000,
        done: ['products'],
        col: 'customers',
        key: { id: 'c9', changedAt: NOW - 6000 },
        owed: [['products', 'p1']],
      },
    ],
    [
      'mid-pass, resumed after tombstone retention: a reset snapshot (deletions it needs may be gone)',
      { since: NOW - 91 * DAY, start: NOW - 91 * DAY + 5000, done: ['products'], owed: [['products', 'p1']] },
      { since: null, start: NOW, reset: true },
    ],
    [
      'mid-pass of a reset: still a reset',
      { since: null, start: NOW - 5000, done: ['products', 'customers'], reset: true },
      { since: null, start: NOW - 5000, done: ['products', 'customers'], reset: true },
    ],
  ];
  it.each(rows)('%s', (_, previous, expected) => {
    expect(startPosition(previous, NOW, config)).toStrictEqual(expected);
  });
});

describe('readingFrom: the first registered collection the pass has not finished', () => {
  const registry = ['products', 'customers', 'orders'];
  const rows: [string, SyncPosition, string[], ReturnType<typeof readingFrom>][] = [
    [
      'a new pass starts at the first',
      { since: null, start: NOW },
      registry,
      { collection: 'products', key: undefined },
    ],
    [
      'mid-collection: where it stood',
      { since: 5, start: NOW, done: ['products'], col: 'customers', key: { id: 'c7' } },
      registry,
      { collection: 'customers', key: { id: 'c7' } },
    ],
    ['every collection done: none', { since: 5, start: NOW, done: registry }, registry, null],
    [
      'a collection registered since the cursor was issued, before the one being read: read first, from its start',
      { since: 5, start: NOW, done: ['products'], col: 'customers', key: { id: 'c7' } },
      ['visits', 'products', 'customers', 'orders'],
      { collection: 'visits', key: undefined },
    ],
    [
      'the registry reordered: the key stays with its own collection',
      { since: 5, start: NOW, done: ['products'], col: 'customers', key: { id: 'c7' } },
      ['orders', 'products', 'customers'],
      { collection: 'orders', key: undefined },
    ],
    [
      'a collection no longer registered: forgotten',
      { since: 5, start: NOW, done: ['products', 'gone'], col: 'customers', key: { id: 'c7' } },
      ['products', 'customers'],
      { collection: 'customers', key: { id: 'c7' } },
    ],
  ];
  it.each(rows)('%s', (_, position, collections, expected) => {
    expect(readingFrom(position, collections)).toStrictEqual(expected);
  });
});

describe('advance and isComplete', () => {
  const registry = ['products', 'customers', 'orders'];
  const rows: [
    string,
    SyncPosition,
    string[],
    { collection: string; key: { id: string } | undefined } | null,
    Owed[],
    SyncPosition,
    boolean,
  ][] = [
    [
      'more to read in a collection',
      { since: null, start: NOW },
      ['products'],
      { collection: 'customers', key: { id: 'c7' } },
      [],
      { since: null, start: NOW, done: ['products'], col: 'customers', key: { id: 'c7' } },
      false,
    ],
    [
      'all read, nothing owed: complete',
      { since: 5, start: NOW, done: ['products', 'customers'] },
      ['orders'],
      null,
      [],
      { since: 5, start: NOW, done: ['products', 'customers', 'orders'] },
      true,
    ],
    [
      'all read but a winner still owed: not complete',
      { since: 5, start: NOW },
      registry,
      null,
      [['products', 'p1']],
      { since: 5, start: NOW, done: registry, owed: [['products', 'p1']] },
      false,
    ],
    [
      'owed delivered: the list goes',
      { since: 5, start: NOW, done: registry, owed: [['products', 'p1']] },
      [],
      null,
      [],
      { since: 5, start: NOW, done: registry },
      true,
    ],
  ];
  it.each(rows)('%s', (_, position, finished, stoppedIn, owed, expected, complete) => {
    const next = advance(position, finished, stoppedIn, owed);
    expect(next).toStrictEqual(expected);
    expect(isComplete(next, registry)).toBe(complete);
  });

  it('a pass is not complete while a collection registered since it started is unread', () => {
    expect(isComplete({ since: 5, start: NOW, done: registry }, ['visits', ...registry])).toBe(false);
  });
  it('the next pass reads from the pass start less the lookback, never earlier than this pass did', () => {
    const done = ['products', 'customers', 'orders'];
    expect(nextPass({ since: null, start: NOW, done }, NOW, 120_000)).toStrictEqual({ since: NOW - 120_000 });
    expect(nextPass({ since: NOW - 1000, start: NOW, done }, NOW, 120_000)).toStrictEqual({ since: NOW - 1000 });
  });

  it('an echo is exactly the version this request wrote', () => {
    const written = new Map([['p1', 100]]);
    expect(isEcho(100, written, 'p1')).toBe(true);
    expect(isEcho(101, written, 'p1')).toBe(false);
    expect(isEcho(100, written, 'p2')).toBe(false);
    expect(isEcho(100, undefined, 'p1')).toBe(false);
  });
});

describe('positions of cursors issued before collections were named (numbered)', () => {
  const rows: [string, unknown, SyncPosition][] = [
    ['between passes: the same', { since: NOW - DAY }, { since: NOW - DAY }],
    [
      'mid-collection: the collections before it done, the key kept with its collection',
      { since: NOW - DAY, start: NOW, col: 1, key: { id: 'c9', changedAt: NOW - 6000 } },
      { since: NOW - DAY, start: NOW, done: ['products'], col: 'customers', key: { id: 'c9', changedAt: NOW - 6000 } },
    ],
    [
      'every collection read, a winner owed',
      {
        since: NOW - DAY,
        start: NOW,
        col: 3,
        owed: [
          [2, 'o1'],
          [0, 'p1'],
        ],
      },
      {
        since: NOW - DAY,
        start: NOW,
        done: ['products', 'customers', 'orders'],
        owed: [
          ['orders', 'o1'],
          ['products', 'p1'],
        ],
      },
    ],
    [
      'a snapshot about to start its second collection',
      { since: null, start: NOW, col: 1, reset: true },
      { since: null, start: NOW, reset: true, done: ['products'] },
    ],
  ];
  it.each(rows)('%s', (_, numbered, named) => {
    expect(syncPosition.parse(numbered)).toStrictEqual(named);
  });

  it.each([
    ['a collection number past the three it knew', { since: 5, start: NOW, col: 4 }],
    ['an owed record of a collection number it never had', { since: 5, start: NOW, col: 3, owed: [[3, 'x']] }],
    ['a negative number', { since: 5, start: NOW, col: -1 }],
  ])('%s is no cursor of ours', (_, numbered) => {
    expect(syncPosition.safeParse(numbered).success).toBe(false);
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
