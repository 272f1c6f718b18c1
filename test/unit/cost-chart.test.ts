// The cost chart (docs/cost.svg) and its tables (docs/performance.md) are
// what bin/cost-chart.ts draws from the committed bench results and the prod
// stack; the model takes its per-request figures from the bench, not from
// constants of its own.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BENCH_FILE,
  type Bench,
  fixedResources,
  MARKERS,
  measured,
  monthlyCost,
  PERFORMANCE_FILE,
  PRICES,
  render,
  SVG_FILE,
} from '../../bin/cost-chart.ts';

const bench = JSON.parse(readFileSync(BENCH_FILE, 'utf8')) as Bench;
const fixed = fixedResources();
const STALE =
  'stale: run npx tsx bin/cost-chart.ts (after npm run bench) and commit docs/cost.svg and docs/performance.md';

describe('the cost chart', () => {
  const { svg, tables, rows } = render(bench, fixed);

  it('docs/cost.svg is the chart of the committed bench results', () => {
    expect(readFileSync(SVG_FILE, 'utf8') === svg, STALE).toBe(true);
  });

  it('docs/performance.md carries its tables', () => {
    const markdown = readFileSync(PERFORMANCE_FILE, 'utf8');
    const [start, end] = MARKERS;
    const between = markdown.slice(markdown.indexOf(start) + start.length, markdown.indexOf(end)).trim();
    expect(between === tables, STALE).toBe(true);
    expect(markdown).toMatch(/!\[[^\]]*\]\(cost\.svg\)/);
  });

  it('runs from 50 to 5,000 reps, every service costing something, the total growing with the reps', () => {
    expect(rows.map((r) => r.reps)).toStrictEqual([50, 100, 250, 500, 1000, 2500, 5000]);
    for (const row of rows) {
      for (const [service, usd] of Object.entries(row.byService))
        expect(usd, `${row.reps} ${service}`).toBeGreaterThan(0);
    }
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.total).toBeGreaterThan(rows[i - 1]!.total);
  });

  it('counts the prod stack’s fixed resources from its template', () => {
    // Contributor Insights on throttled keys: two rules each for both tables and the feed index.
    expect(fixed).toMatchObject({ dashboards: 1, insightsRules: 6, kmsKeys: 1, secrets: 1, customMetrics: 17 });
    expect(fixed.alarmMetrics).toBeGreaterThan(28);
  });

  it('takes its figures from the bench: a pulled record costing twice the read units shows in the bill', () => {
    const twice = structuredClone(bench);
    const pull = twice.rows.find((r) => r.scenario.startsWith('Sync Now pulling'))!;
    pull.capacityPerRecord = pull.capacityPerRecord! * 2;
    const reps = 5000;
    const before = monthlyCost(reps, measured(bench), fixed).byService.DynamoDB;
    const after = monthlyCost(reps, measured(twice), fixed).byService.DynamoDB;
    const pulled = reps * 30 * (100 + 10 * (reps - 1));
    expect(after - before).toBeCloseTo(pulled * (pull.capacityPerRecord! / 2) * PRICES.readRequestUnit.usd, 6);
  });

  it('refuses a bench that lacks a figure it needs, naming it', () => {
    const partial = { ...bench, rows: bench.rows.filter((r) => !r.scenario.startsWith('Status page')) };
    expect(() => measured(partial)).toThrow(/no row "Status page, 100,000-record account, 20 pending"/);
  });
});
