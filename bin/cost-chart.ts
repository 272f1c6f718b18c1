// `npx tsx bin/cost-chart.ts` — what the service costs a month against the
// number of reps, split by service, from the figures `npm run bench`
// measured (bench/results/bench.json) and the stack's own resources (the
// prod stage, synthesized). Writes docs/cost.svg and the tables between the
// cost markers of docs/performance.md; test/unit/cost-chart.test.ts fails
// when either is stale.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { SYNC_METRICS } from '../functions/http/metric-names.ts';
import { buildApp } from '../lib/app.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCH_FILE = join(ROOT, 'bench/results/bench.json');
export const SVG_FILE = join(ROOT, 'docs/cost.svg');
export const PERFORMANCE_FILE = join(ROOT, 'docs/performance.md');
export const MARKERS = ['<!-- cost:start (npx tsx bin/cost-chart.ts) -->', '<!-- cost:end -->'] as const;

export const REP_COUNTS = [50, 100, 250, 500, 1000, 2500, 5000];

/** us-east-1 list prices, free tiers left out (they matter only at the smallest sizes). */
export const PRICES = {
  writeRequestUnit: { usd: 0.625 / 1e6, what: 'DynamoDB on-demand write request unit' },
  readRequestUnit: { usd: 0.125 / 1e6, what: 'DynamoDB on-demand read request unit' },
  storageGbMonth: { usd: 0.25, what: 'DynamoDB storage, per GB-month' },
  pitrGbMonth: { usd: 0.2, what: 'DynamoDB point-in-time recovery, per GB-month' },
  apiRequest: { usd: 1.0 / 1e6, what: 'HTTP API request (each 512 KB counts as one)' },
  lambdaRequest: { usd: 0.2 / 1e6, what: 'Lambda request' },
  lambdaGbSecond: { usd: 0.0000133334, what: 'Lambda GB-second, arm64' },
  logIngestGb: { usd: 0.5, what: 'CloudWatch Logs ingestion, per GB' },
  logStorageGbMonth: { usd: 0.03, what: 'CloudWatch Logs storage, per GB-month' },
  trace: { usd: 5.0 / 1e6, what: 'X-Ray trace recorded' },
  activeUser: { usd: 0.02, what: 'Cognito monthly active user, Plus plan (prod has threat protection)' },
  transferOutGb: { usd: 0.09, what: 'Data transfer out to the internet, per GB' },
  alarmMetric: { usd: 0.1, what: 'CloudWatch alarm, per metric it reads, per month' },
  dashboard: { usd: 3.0, what: 'CloudWatch dashboard, per month' },
  customMetric: { usd: 0.3, what: 'CloudWatch custom metric, per month' },
  insightsRule: { usd: 0.5, what: 'Contributor Insights rule, per month' },
  kmsKey: { usd: 1.0, what: 'KMS customer-managed key, per month' },
  secret: { usd: 0.4, what: 'Secrets Manager secret, per month' },
} as const;

/** How a rep uses the app: the assumptions the chart rests on (performance.md lists them). */
export const USAGE = {
  syncNowsPerDay: 20,
  /** The Account sync page, opened with every Sync Now. */
  statusPagesPerDay: 20,
  loginPushesPerDay: 2,
  newRecordsPerDay: 5,
  updatedRecordsPerDay: 5,
  catalogueProducts: 10_000,
  /** The web changes 1% of the catalogue a day. */
  webChangesPerDay: 100,
  /** A new or reset device: a full snapshot of the catalogue. */
  snapshotsPerMonth: 1,
  verifiesPerMonth: 4,
  daysPerMonth: 30,
  /** Per request: Lambda's own lines, the EMF metrics of sync routes, the access log. */
  logBytesPerRequest: 2048,
  logRetentionMonths: 3,
  /** DynamoDB's network round trips in AWS, on top of the loopback medians. */
  awsLatencyMs: 20,
  lambdaMemoryGb: 0.5,
  /** Records the reps created in a year, kept (1 KB each, twice: the feed index projects everything). */
  storageMonths: 12,
  recordKb: 1,
} as const;

export const SERVICES = [
  'DynamoDB',
  'API Gateway',
  'Lambda',
  'Logs and traces',
  'Data transfer',
  'Cognito',
  'Monitoring',
] as const;
export type Service = (typeof SERVICES)[number];

type BenchRow = {
  scenario: string;
  medianMs: number;
  requests: string;
  capacityPerRecord: number | null;
  syncStateCapacity: number | null;
};
type LinkRow = { link: string; scenario: string; mode: string; requests: number; down: number; loopbackS: number };
export type Bench = { rows: BenchRow[]; links: { rows: LinkRow[] } };

/** The per-request figures the model takes from the bench, each from a named row. */
export type Measured = ReturnType<typeof measured>;

export function measured(bench: Bench) {
  const row = (scenario: string) => {
    const found = bench.rows.find((r) => r.scenario === scenario);
    if (found === undefined) throw new Error(`bench.json has no row "${scenario}": run npm run bench`);
    return found;
  };
  const link = (scenario: string) => {
    const found = bench.links.rows.find(
      (r) => r.link === 'trade-show Wi-Fi' && r.mode === 'gzip' && r.scenario === scenario,
    );
    if (found === undefined) throw new Error(`bench.json has no link row "${scenario}": run npm run bench`);
    return found;
  };
  const number = (value: number | null, what: string) => {
    if (value === null) throw new Error(`bench.json: no ${what}`);
    return value;
  };
  const newRecords = row('Login push, 1,000 new records');
  const updates = row('Login push, 1,000 updates (backend older)');
  const noop = row('Sync Now, nothing to pull, 100,000-record account');
  const pull = row('Sync Now pulling 10,000 changed records (pages of 1,000)');
  const status = row('Status page, 100,000-record account, 20 pending');
  const snapshot = link('first Sync Now, 10,000 products (pages of 1,000)');
  const verify = link('Verify, 10,000 products that match');
  const idle = link('Sync Now with nothing to pull');
  return {
    writeUnitsPerNewRecord: number(newRecords.capacityPerRecord, 'capacity per new record'),
    writeUnitsPerUpdate: number(updates.capacityPerRecord, 'capacity per update'),
    /** The device's state, per push. */
    stateWriteUnitsPerPush: number(newRecords.syncStateCapacity, 'sync-state capacity of a push'),
    /** The device's and the account's state, per completed Sync Now. */
    stateWriteUnitsPerSyncNow: number(noop.syncStateCapacity, 'sync-state capacity of a Sync Now'),
    queriesPerSyncNow: countOf(noop.requests, 'Query'),
    readUnitsPerPulledRecord: number(pull.capacityPerRecord, 'capacity per pulled record'),
    statusQueries: countOf(status.requests, 'Query'),
    statusStateReadUnits: number(status.syncStateCapacity, 'sync-state capacity of the status page'),
    pushMsPerRecord: newRecords.medianMs / 1000,
    noopSyncNowMs: noop.medianMs,
    pullPageMs: pull.medianMs / Math.ceil(10_000 / 1000),
    statusMs: status.medianMs,
    snapshotRequests: snapshot.requests,
    snapshotBytesDown: snapshot.down,
    snapshotPageMs: (snapshot.loopbackS * 1000) / snapshot.requests,
    pulledRecordBytesDown: snapshot.down / USAGE.catalogueProducts,
    idleBytesDown: idle.down,
    verifyRequests: verify.requests,
    verifyBytesDown: verify.down,
    verifyPageMs: (verify.loopbackS * 1000) / verify.requests,
  };
}

/** "PutItem 1000, Query 3" → the count of `operation`. */
function countOf(requests: string, operation: string): number {
  const match = new RegExp(`${operation} (\\d+)`).exec(requests);
  if (match === null) throw new Error(`bench.json: "${requests}" has no ${operation}`);
  return Number(match[1]);
}

/** DynamoDB's least charge for an eventually consistent read request, whatever it returns. */
const MIN_READ_UNITS = 0.5;
/** A strongly consistent read of a ~1 KB item (a snapshot, a verify): 1 unit per 4 KB. */
const STRONG_READ_UNITS_PER_RECORD = 0.25;
const SECONDS_PER_MONTH = 30 * 86_400;

/** What the stack itself runs whatever the traffic, counted from the synthesized prod stage. */
export type Fixed = {
  alarmMetrics: number;
  dashboards: number;
  customMetrics: number;
  insightsRules: number;
  kmsKeys: number;
  secrets: number;
};

export function fixedResources(): Fixed {
  const outdir = mkdtempSync(join(tmpdir(), 'cost-'));
  try {
    const { data, api } = buildApp({
      outdir,
      context: {
        'aws:cdk:bundling-stacks': [],
        stage: 'prod',
        webOrigin: 'https://app.example.com',
        alarmEmail: 'ops@example.com',
      },
    });
    const resources = [Template.fromStack(data), Template.fromStack(api)].flatMap((t) =>
      Object.values(t.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>),
    );
    const ofType = (type: string) => resources.filter((r) => r.Type === type);
    // An alarm on metric math is charged per metric it reads.
    const alarmMetrics = ofType('AWS::CloudWatch::Alarm')
      .map(
        (a) =>
          (a.Properties.Metrics as { MetricStat?: unknown }[] | undefined)?.filter((m) => m.MetricStat).length ?? 1,
      )
      .reduce((a, b) => a + b, 0);
    // Contributor Insights on a table or index with a sort key: the most throttled keys (partition, and
    // partition and sort), and in the accessed mode the most accessed too. Only throttled requests are
    // events in the throttled mode: none while the service is healthy, so no event charge is counted.
    const insightsRules = ofType('AWS::DynamoDB::Table')
      .flatMap((t) => [t.Properties, ...((t.Properties.GlobalSecondaryIndexes as Record<string, unknown>[]) ?? [])])
      .map((p) => p.ContributorInsightsSpecification as { Enabled?: boolean; Mode?: string } | undefined)
      .filter((spec) => spec?.Enabled)
      .reduce((n, spec) => n + (spec?.Mode === 'THROTTLED_KEYS' ? 2 : 4), 0);
    const businessMetrics = Object.values(SYNC_METRICS).flatMap((v) =>
      typeof v === 'string' ? [v] : Object.values(v),
    );
    return {
      alarmMetrics,
      dashboards: ofType('AWS::CloudWatch::Dashboard').length,
      // Plus a cold-start metric for each of the three functions that emit metrics (push, Sync Now, verify).
      customMetrics: businessMetrics.length + 3,
      insightsRules,
      kmsKeys: ofType('AWS::KMS::Key').length,
      secrets: ofType('AWS::SecretsManager::Secret').length,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export type Breakdown = { reps: number; byService: Record<Service, number>; total: number };

/** The monthly bill for `reps` reps in one account, by service. */
export function monthlyCost(reps: number, m: Measured, fixed: Fixed): Breakdown {
  const u = USAGE;
  const p = PRICES;
  const month = u.daysPerMonth;
  // Every device receives every change made elsewhere in its account: the web's, and every other rep's.
  const pulledPerRepDay = u.webChangesPerDay + (u.newRecordsPerDay + u.updatedRecordsPerDay) * (reps - 1);
  const pulledPerSync = pulledPerRepDay / u.syncNowsPerDay;
  const pagesPerSync = Math.max(1, Math.ceil(pulledPerSync / 1000));
  const editsPerPush = (u.newRecordsPerDay + u.updatedRecordsPerDay) / u.loginPushesPerDay;

  // Requests, a month, all reps.
  const syncNowPages = reps * month * u.syncNowsPerDay * pagesPerSync;
  const pushes = reps * month * u.loginPushesPerDay;
  const statusPages = reps * month * u.statusPagesPerDay;
  const snapshotPages = reps * u.snapshotsPerMonth * m.snapshotRequests;
  const verifyPages = reps * u.verifiesPerMonth * m.verifyRequests;
  const webWrites = month * u.webChangesPerDay;
  const requests = syncNowPages + pushes + statusPages + snapshotPages + verifyPages + webWrites;

  // DynamoDB request units.
  const writeUnits =
    reps *
      month *
      (u.newRecordsPerDay * m.writeUnitsPerNewRecord +
        u.updatedRecordsPerDay * m.writeUnitsPerUpdate +
        u.loginPushesPerDay * m.stateWriteUnitsPerPush +
        u.syncNowsPerDay * m.stateWriteUnitsPerSyncNow) +
    webWrites * m.writeUnitsPerUpdate;
  const pulledRecords = reps * month * pulledPerRepDay;
  const strongReads = reps * (u.snapshotsPerMonth + u.verifiesPerMonth) * u.catalogueProducts;
  const readUnits =
    reps * month * u.syncNowsPerDay * pagesPerSync * m.queriesPerSyncNow * MIN_READ_UNITS +
    pulledRecords * m.readUnitsPerPulledRecord +
    statusPages * (m.statusQueries * MIN_READ_UNITS + m.statusStateReadUnits) +
    strongReads * STRONG_READ_UNITS_PER_RECORD;
  const storedGb =
    (2 * u.recordKb * (u.catalogueProducts + reps * u.newRecordsPerDay * month * u.storageMonths)) / 1024 ** 2;
  const dynamo =
    writeUnits * p.writeRequestUnit.usd +
    readUnits * p.readRequestUnit.usd +
    storedGb * (p.storageGbMonth.usd + p.pitrGbMonth.usd);

  // Lambda: billed time per request, from the loopback medians plus DynamoDB's round trips in AWS.
  const ms =
    syncNowPages * (m.noopSyncNowMs + Math.min(1000, pulledPerSync) * (m.pullPageMs / 1000) + u.awsLatencyMs) +
    pushes * (m.noopSyncNowMs + editsPerPush * m.pushMsPerRecord + u.awsLatencyMs) +
    statusPages * (m.statusMs + u.awsLatencyMs) +
    snapshotPages * (m.snapshotPageMs + u.awsLatencyMs) +
    verifyPages * (m.verifyPageMs + u.awsLatencyMs) +
    webWrites * (m.noopSyncNowMs + u.awsLatencyMs);
  const lambda = requests * p.lambdaRequest.usd + (ms / 1000) * u.lambdaMemoryGb * p.lambdaGbSecond.usd;

  // Logs, and X-Ray's default sampling: the first request each second, and 5% of the rest.
  const logGb = (requests * u.logBytesPerRequest) / 1024 ** 3;
  const traces = Math.min(requests, SECONDS_PER_MONTH) + 0.05 * Math.max(0, requests - SECONDS_PER_MONTH);
  const logs = logGb * (p.logIngestGb.usd + u.logRetentionMonths * p.logStorageGbMonth.usd) + traces * p.trace.usd;

  const bytesDown =
    syncNowPages * m.idleBytesDown +
    pulledRecords * m.pulledRecordBytesDown +
    (pushes + statusPages + webWrites) * m.idleBytesDown +
    reps * u.snapshotsPerMonth * m.snapshotBytesDown +
    reps * u.verifiesPerMonth * m.verifyBytesDown;

  const monitoring =
    fixed.alarmMetrics * p.alarmMetric.usd +
    fixed.dashboards * p.dashboard.usd +
    fixed.customMetrics * p.customMetric.usd +
    fixed.insightsRules * p.insightsRule.usd +
    fixed.kmsKeys * p.kmsKey.usd +
    fixed.secrets * p.secret.usd;

  const byService: Record<Service, number> = {
    DynamoDB: dynamo,
    'API Gateway': requests * p.apiRequest.usd,
    Lambda: lambda,
    'Logs and traces': logs,
    'Data transfer': (bytesDown / 1024 ** 3) * p.transferOutGb.usd,
    Cognito: reps * p.activeUser.usd,
    Monitoring: monitoring,
  };
  return { reps, byService, total: Object.values(byService).reduce((a, b) => a + b, 0) };
}

const COLORS: Record<Service, string> = {
  DynamoDB: '#3b6fb6',
  'API Gateway': '#e08a2c',
  Lambda: '#d9534f',
  'Logs and traces': '#7b5ea7',
  'Data transfer': '#3a9d8f',
  Cognito: '#c4a000',
  Monitoring: '#8a8a8a',
};

const usd = (n: number) =>
  n === 0
    ? '$0'
    : n >= 100
      ? `$${Math.round(n).toLocaleString('en-US')}`
      : n >= 1
        ? `$${n.toFixed(2)}`
        : `$${n.toFixed(3)}`;

/** Stacked bars, one per rep count, a segment per service; the total and the cost per rep above each. */
export function renderSvg(rows: Breakdown[]): string {
  const width = 880;
  const height = 520;
  const plot = { left: 80, right: 200, top: 70, bottom: 70 };
  const plotWidth = width - plot.left - plot.right;
  const plotHeight = height - plot.top - plot.bottom;
  const max = Math.max(...rows.map((r) => r.total));
  const step = niceStep(max / 5);
  // Room above the tallest bar for its two labels.
  const top = Math.ceil((max * 1.12) / step) * step;
  const y = (v: number) => plot.top + plotHeight - (v / top) * plotHeight;
  const slot = plotWidth / rows.length;
  const bar = slot * 0.6;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    '<title>Monthly cost of Mobile Sales Sync against the number of reps, by service</title>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${plot.left}" y="24" font-size="16" font-weight="bold">Monthly cost against the number of reps</text>`,
    `<text x="${plot.left}" y="44" fill="#555">One account, 20 Sync Nows a rep a day, 10,000 products; us-east-1 list prices (docs/performance.md)</text>`,
  ];
  for (let v = 0; v <= top + step / 2; v += step) {
    out.push(
      `<line x1="${plot.left}" x2="${plot.left + plotWidth}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`,
      `<text x="${plot.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#333">${usd(v)}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const x = plot.left + i * slot + (slot - bar) / 2;
    let base = 0;
    for (const service of SERVICES) {
      const value = row.byService[service];
      const y0 = y(base + value);
      const h = y(base) - y0;
      if (h > 0.05) {
        out.push(
          `<rect x="${x.toFixed(1)}" y="${y0.toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[service]}"><title>${row.reps} reps, ${service}: ${usd(value)}</title></rect>`,
        );
      }
      base += value;
    }
    const cx = (x + bar / 2).toFixed(1);
    out.push(
      `<text x="${cx}" y="${(y(row.total) - 20).toFixed(1)}" text-anchor="middle" font-weight="bold">${usd(row.total)}</text>`,
      `<text x="${cx}" y="${(y(row.total) - 6).toFixed(1)}" text-anchor="middle" fill="#555">${usd(row.total / row.reps)}/rep</text>`,
      `<text x="${cx}" y="${plot.top + plotHeight + 20}" text-anchor="middle">${row.reps.toLocaleString('en-US')}</text>`,
    );
  });
  out.push(
    `<text x="${plot.left + plotWidth / 2}" y="${height - 24}" text-anchor="middle" fill="#333">reps (one account)</text>`,
  );
  SERVICES.slice()
    .reverse()
    .forEach((service, i) => {
      const ly = plot.top + 10 + i * 22;
      out.push(
        `<rect x="${plot.left + plotWidth + 24}" y="${ly - 10}" width="14" height="14" fill="${COLORS[service]}"/>`,
        `<text x="${plot.left + plotWidth + 44}" y="${ly + 1}">${service}</text>`,
      );
    });
  out.push('</svg>', '');
  return out.join('\n');
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10) * power;
}

/** The markdown between the cost markers: the results, the prices, the usage and where each figure comes from. */
export function renderTables(rows: Breakdown[], m: Measured, fixed: Fixed): string {
  const results = markdownTable(
    ['reps', ...SERVICES, 'total', 'per rep'],
    rows.map((r) => [
      r.reps.toLocaleString('en-US'),
      ...SERVICES.map((s) => usd(r.byService[s])),
      `**${usd(r.total)}**`,
      usd(r.total / r.reps),
    ]),
    'right',
  );
  const prices = markdownTable(
    ['item', 'price'],
    Object.values(PRICES).map(({ usd: price, what }) => [what, `$${formatPrice(price)}`]),
    'left',
    'right',
  );
  const usage = markdownTable(
    ['assumption', 'value', 'from'],
    [
      ['Sync Nows a day, each with the Account sync page', `${USAGE.syncNowsPerDay}`, 'the brief'],
      ["login pushes a day, carrying the rep's edits", `${USAGE.loginPushesPerDay}`, 'assumed'],
      [
        'edits a day: new records, updates (~1 KB each)',
        `${USAGE.newRecordsPerDay}, ${USAGE.updatedRecordsPerDay}`,
        'assumed',
      ],
      [
        'products changed by the web a day (the account)',
        `${USAGE.webChangesPerDay} of ${USAGE.catalogueProducts.toLocaleString('en-US')}`,
        'assumed',
      ],
      ['records pulled a day: every change made elsewhere in the account', '100 + 10 × (reps − 1)', 'the protocol'],
      ['full snapshots of the catalogue a month (a new or reset device)', `${USAGE.snapshotsPerMonth}`, 'assumed'],
      ['verifies of the catalogue a month', `${USAGE.verifiesPerMonth}`, 'assumed'],
      [
        "write units: a new record, an update, a push's device state, a Sync Now's state",
        `${m.writeUnitsPerNewRecord}, ${m.writeUnitsPerUpdate}, ${m.stateWriteUnitsPerPush}, ${m.stateWriteUnitsPerSyncNow}`,
        'bench',
      ],
      [
        'read units: a pulled record; a query or status read returning little',
        `${m.readUnitsPerPulledRecord}; ${MIN_READ_UNITS} (DynamoDB's least)`,
        'bench; DynamoDB',
      ],
      [
        'read units per record of a snapshot or verify (strongly consistent)',
        `${STRONG_READ_UNITS_PER_RECORD}`,
        'the design',
      ],
      ['queries: a Sync Now page, a status page', `${m.queriesPerSyncNow}, ${m.statusQueries}`, 'bench'],
      ['requests: a snapshot, a verify', `${m.snapshotRequests}, ${m.verifyRequests}`, 'bench'],
      [
        'bytes down: a pulled record (gzip), a small answer',
        `${Math.round(m.pulledRecordBytesDown)}, ${m.idleBytesDown}`,
        'bench',
      ],
      [
        'Lambda ms: an empty Sync Now, a status page, a page of 1,000 pulled, per pushed record',
        `${m.noopSyncNowMs}, ${m.statusMs}, ${Math.round(m.pullPageMs)}, ${m.pushMsPerRecord.toFixed(2)}`,
        'bench (loopback medians)',
      ],
      [
        'plus, per request in AWS (DynamoDB round trips); memory',
        `${USAGE.awsLatencyMs} ms; 512 MB`,
        'assumed; the stack',
      ],
      [
        'log bytes per request; retention',
        `${USAGE.logBytesPerRequest}; ${USAGE.logRetentionMonths} months`,
        'assumed; prod',
      ],
      ['X-Ray sampling', '1 request a second + 5%', "X-Ray's default"],
      [
        'stored: the catalogue + a year of new records, twice (the feed index)',
        `${USAGE.recordKb} KB a record`,
        'bench records',
      ],
      [
        'alarm metrics, dashboards, custom metrics, Contributor Insights rules, keys, secrets',
        `${fixed.alarmMetrics}, ${fixed.dashboards}, ${fixed.customMetrics}, ${fixed.insightsRules}, ${fixed.kmsKeys}, ${fixed.secrets}`,
        'the prod stack',
      ],
    ],
    'left',
    'right',
    'left',
  );
  return [
    '![Monthly cost against the number of reps, by service](cost.svg)',
    '',
    results,
    '',
    '**Prices** (us-east-1 list prices; free tiers left out):',
    '',
    prices,
    '',
    '**Usage** (per rep unless said):',
    '',
    usage,
  ].join('\n');
}

type Align = 'left' | 'right';

/** A markdown table with its columns padded, as the project's formatter (Biome) lays them out. */
function markdownTable(header: string[], rows: string[][], ...align: Align[]): string {
  const alignOf = (c: number): Align => align[c] ?? align[align.length - 1] ?? 'left';
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (alignOf(c) === 'right' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (alignOf(c) === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function formatPrice(price: number): string {
  if (price >= 0.01) return price.toFixed(2);
  return `${(price * 1e6).toFixed(price * 1e6 >= 1 ? 2 : 4)} per million`;
}

/** Everything the script writes, from a bench result. */
export function render(bench: Bench, fixed: Fixed = fixedResources()) {
  const m = measured(bench);
  const rows = REP_COUNTS.map((reps) => monthlyCost(reps, m, fixed));
  return { rows, svg: renderSvg(rows), tables: renderTables(rows, m, fixed) };
}

/** `markdown` with the text between the cost markers replaced. */
export function withTables(markdown: string, tables: string): string {
  const [start, end] = MARKERS;
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/performance.md lacks the markers ${start} … ${end}`);
  return `${markdown.slice(0, from + start.length)}\n\n${tables}\n\n${markdown.slice(to)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { svg, tables } = render(JSON.parse(readFileSync(BENCH_FILE, 'utf8')) as Bench);
  writeFileSync(SVG_FILE, svg);
  writeFileSync(PERFORMANCE_FILE, withTables(readFileSync(PERFORMANCE_FILE, 'utf8'), tables));
  console.log(`wrote ${SVG_FILE} and the cost tables of ${PERFORMANCE_FILE}`);
}
