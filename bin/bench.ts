// npm run bench — what a sync costs and how it scales, side by side with the
// fastest this machine's DynamoDB Local can write, and what it costs a rep
// over a real link (trade-show Wi-Fi, 4G) against what that link physically
// allows and against the one-request-per-record pattern. Starts its own
// DynamoDB Local, serves the handlers through the local server (the same
// code path as `npm start`), drives the link scenarios with the reference
// client SDK, prints tables and writes bench/results/bench.{json,md}.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { type AdapterRow, adapterTable, adapterTargets, firstSyncThroughAdapters } from '../bench/adapters.ts';
import { catalogueProduct } from '../bench/catalogue.ts';
import { FOUR_G, type LinkProfile, physicalCost, startLink, TRADE_SHOW_WIFI } from '../bench/link-proxy.ts';
import { naivePushRoute } from '../bench/naive-push.ts';
import { type Mode, sdkDevice } from '../bench/sdk-device.ts';
import { type LocalRow, MemoryStore, type SyncClient } from '../client/index.ts';
import { bundlesOf, synthesize } from '../dev/deployment.ts';
import { LOCAL_TABLES } from '../dev/dynamodb-local.ts';
import { type LocalStack, startLocalStack } from '../dev/local-stack.ts';
import { signLocalToken } from '../dev/local-token.ts';
import { seedItems, storedItem } from '../dev/seed.ts';
import { encodeCursor } from '../functions/core/cursor.ts';
import { compressBody } from '../functions/http/compression.ts';

const JWT_SECRET = 'bench-secret';
const ROOT = join(import.meta.dirname, '..');
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)}  ${message}\n`);

// ── What we measure ──────────────────────────────────────────────────────

type Measurement = {
  id: string;
  title: string;
  records: number;
  runs: number[];
  requests: Record<string, number>;
  /** Records-table capacity units per record (the sync-state writes are listed apart). */
  capacityPerRecord: number | null;
  /** Conditional write requests (PutItem) per record, and how many of them landed. */
  writesPerRecord: number | null;
  landedPerRecord: number | null;
  syncStateCapacity: number;
};
const measurements = new Map<string, Measurement>();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure<T>(
  stack: LocalStack,
  id: string,
  title: string,
  records: number,
  runs: number,
  setup: (run: number) => Promise<T>,
  body: (context: T) => Promise<void>,
): Promise<Measurement> {
  const m: Measurement = {
    id,
    title,
    records,
    runs: [],
    requests: {},
    capacityPerRecord: null,
    writesPerRecord: null,
    landedPerRecord: null,
    syncStateCapacity: 0,
  };
  for (let run = 0; run < runs; run++) {
    log(`${title}: run ${run + 1}/${runs}`);
    const context = await setup(run);
    stack.requests.reset();
    const started = performance.now();
    await body(context);
    m.runs.push(performance.now() - started);
    m.requests = stack.requests.snapshot();
    const recordsCapacity = stack.requests.capacity.get(LOCAL_TABLES.records) ?? 0;
    m.capacityPerRecord = records > 0 && recordsCapacity > 0 ? recordsCapacity / records : null;
    const puts = m.requests.PutItem ?? 0;
    // `written` counts every write DynamoDB accepted: the device-state UpdateItems are not the records'.
    const landed = stack.requests.written - (m.requests.UpdateItem ?? 0);
    m.writesPerRecord = records > 0 && puts > 0 ? puts / records : null;
    m.landedPerRecord = records > 0 && puts > 0 ? landed / records : null;
    m.syncStateCapacity = stack.requests.capacity.get(LOCAL_TABLES.syncState) ?? 0;
  }
  measurements.set(id, m);
  return m;
}

// ── Data ─────────────────────────────────────────────────────────────────

/** A ~1 KB catalogue entry of varied text (bench/catalogue.ts); the digits of its id pick which. */
const product = (id: string, updatedAt: number, name?: string) =>
  catalogueProduct(id, Number(id.replace(/\D/g, '')) || 0, updatedAt, name);

/** Writes items straight to the table (BatchWriteItem, 25 at a time): for building big accounts fast. */
// ── HTTP ─────────────────────────────────────────────────────────────────

async function caller(baseUrl: string, account: string) {
  const token = await signLocalToken(JWT_SECRET, account, 'bench');
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** Pushes `records` in requests of 1,000, from a device whose clock is `skewMs` off. */
async function pushAll(call: Awaited<ReturnType<typeof caller>>, records: unknown[], skewMs = 0) {
  for (let i = 0; i < records.length; i += 1000) {
    await call('POST', '/v1/sync/push', {
      deviceId: 'ipad-1',
      clientTime: Date.now() + skewMs,
      changes: { products: records.slice(i, i + 1000) },
    });
  }
}

/** The per-record baseline: one request per record, one after the other, as an offline queue replays. */
async function naivePush(call: Awaited<ReturnType<typeof caller>>, records: unknown[]) {
  for (const record of records)
    await call('POST', '/bench/naive-push', { deviceId: 'ipad-1', clientTime: Date.now(), record });
}

// ── The run ──────────────────────────────────────────────────────────────

const started = Date.now();
const stack = await startLocalStack({
  jwtSecret: JWT_SECRET,
  // Every request asks DynamoDB for the capacity it consumed.
  instrument: (client) =>
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (/^(PutItem|UpdateItem|GetItem|Query|BatchWriteItem)Command$/.test(String(context.commandName))) {
          (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        }
        return next(args);
      },
      { step: 'initialize', name: 'consumedCapacity' },
    ),
  extraRoutes: (client, services) => [naivePushRoute(client, LOCAL_TABLES.records, () => services)],
});
const api = stack.api.url;
let accounts = 0;
const account = (name: string) => `bench-${name}-${++accounts}`;

try {
  // DynamoDB Local's JVM needs several thousand writes before its speed settles; none of this is measured.
  log('DynamoDB Local and the local API are up; warming up (JIT and the DynamoDB Local JVM)');
  const warm = await caller(api, account('warmup'));
  for (let i = 0; i < 10; i++)
    await pushAll(
      warm,
      Array.from({ length: 1000 }, (_, j) => product(`w${i}-${j}`, Date.now())),
    );

  // 7 (first, so ours and the floor meet the same warmed-up DynamoDB Local). The floor: bare
  // conditional PutItems, no HTTP, no validation, at the concurrency that is fastest here.
  let bestFloor: { concurrency: number; median: number } | undefined;
  for (const concurrency of [1, 8, 16, 32, 64, 128]) {
    const m = await measure(
      stack,
      `floor-${concurrency}`,
      `Floor: 1,000 bare conditional PutItems, ${concurrency} in flight`,
      1000,
      3,
      async () => ({
        acct: account('floor'),
        records: Array.from({ length: 1000 }, (_, i) => product(`p${i}`, Date.now())),
      }),
      async ({ acct, records }) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next < records.length) {
              const record = records[next++]!;
              await stack.client.send(
                new PutCommand({
                  TableName: LOCAL_TABLES.records,
                  Item: storedItem(acct, 'products', record, Date.now()),
                  ConditionExpression: 'attribute_not_exists(pk)',
                }),
              );
            }
          }),
        );
      },
    );
    if (!bestFloor || median(m.runs) < bestFloor.median) bestFloor = { concurrency, median: median(m.runs) };
  }

  // 1. Login push of 1,000 and 10,000 new records.
  for (const [n, runs] of [
    [1000, 7],
    [10_000, 2],
  ] as const) {
    await measure(
      stack,
      `push-${n}`,
      `Login push, ${n.toLocaleString('en')} new records`,
      n,
      runs,
      async () => ({
        call: await caller(api, account(`push${n}`)),
        records: Array.from({ length: n }, (_, i) => product(`p${i}`, Date.now())),
      }),
      ({ call, records }) => pushAll(call, records),
    );
  }

  // 1b. What an update costs: 1,000 records the backend holds in an older version.
  await measure(
    stack,
    'push-updates',
    'Login push, 1,000 updates (backend older)',
    1000,
    3,
    async () => {
      const acct = account('updates');
      const now = Date.now();
      await seedItems(
        stack.client,
        Array.from({ length: 1000 }, (_, i) =>
          storedItem(acct, 'products', product(`p${i}`, now - 600_000), now - 600_000),
        ),
      );
      return {
        call: await caller(api, acct),
        records: Array.from({ length: 1000 }, (_, i) => product(`p${i}`, now, `Edited ${i}`)),
      };
    },
    ({ call, records }) => pushAll(call, records),
  );

  // 1c. Protocol v1.3: edits that name their base, from a device whose clock is 3 h slow (B4: each wins,
  // in one write), and echoes of what the backend holds (B2: one failed write each, nothing stored).
  for (const [id, title, edit] of [
    ['push-base-edits', 'Login push, 1,000 edits of the latest version with base, clock 3 h slow (B4)', true],
    ['push-echoes', 'Login push, 1,000 echoes of the current content (B2)', false],
  ] as const) {
    await measure(
      stack,
      id,
      title,
      1000,
      3,
      async () => {
        const acct = account(id);
        const now = Date.now();
        const stored = Array.from({ length: 1000 }, (_, i) => product(`p${i}`, now - 600_000));
        await seedItems(
          stack.client,
          stored.map((r) => storedItem(acct, 'products', r, now - 600_000)),
        );
        const slow = 3 * 3_600_000;
        const records = stored.map((r, i) =>
          edit ? { ...product(`p${i}`, now - slow, `Edited ${i}`), base: r.updatedAt } : r,
        );
        return { call: await caller(api, acct), records, skew: edit ? -slow : 0 };
      },
      ({ call, records, skew }) => pushAll(call, records, skew),
    );
  }

  // 2. Login push of 10,000 records: half lose (stale), 500 hit tombstones, the rest update.
  await measure(
    stack,
    'push-mixed',
    'Login push, 10,000 records: 50% stale, 5% tombstoned, 45% newer',
    10_000,
    2,
    async () => {
      const acct = account('mixed');
      const now = Date.now();
      const existing = Array.from({ length: 10_000 }, (_, i) => {
        const stored = product(`p${i}`, i % 2 === 0 ? now + 60_000 : now - 600_000); // even: backend newer → stale
        return storedItem(acct, 'products', stored, now - 60_000, { deleted: i % 20 === 1 });
      });
      await seedItems(stack.client, existing);
      return {
        call: await caller(api, acct),
        records: Array.from({ length: 10_000 }, (_, i) => product(`p${i}`, now - 300_000, `Edited ${i}`)),
      };
    },
    ({ call, records }) => pushAll(call, records),
  );

  // 3. Sync Now pulling 10,000 changed records, page by page.
  const pullAccount = account('pull');
  const pullNow = Date.now();
  await seedItems(
    stack.client,
    Array.from({ length: 10_000 }, (_, i) =>
      storedItem(pullAccount, 'products', product(`p${i}`, pullNow), pullNow - 1000),
    ),
  );
  const pullCursor = encodeCursor(stack.services.cursorKey(), pullAccount, 'sync', { since: pullNow - 5 * 60_000 });
  const pullCall = await caller(api, pullAccount);
  let pages = 0;
  await measure(
    stack,
    'pull-10000',
    'Sync Now pulling 10,000 changed records (pages of 1,000)',
    10_000,
    3,
    async () => undefined,
    async () => {
      let cursor = pullCursor;
      let pulled = 0;
      pages = 0;
      for (;;) {
        const page = await pullCall('POST', '/v1/sync/now', {
          deviceId: 'android-2',
          clientTime: Date.now(),
          cursor,
          limit: 1000,
        });
        pulled += Object.values(page.changes as Record<string, unknown[]>).reduce((n, l) => n + l.length, 0);
        pages += 1;
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
      if (pulled !== 10_000) throw new Error(`pulled ${pulled}`);
    },
  );

  // 4 and 5. A no-op Sync Now on 1,000- and 100,000-record accounts; the status page on the big one.
  const noop: Record<number, string> = {};
  for (const size of [1000, 100_000]) {
    const acct = account(`size${size}`);
    log(`building a ${size.toLocaleString('en')}-record account`);
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < size; i += 10_000) {
      await seedItems(
        stack.client,
        Array.from({ length: Math.min(10_000, size - i) }, (_, j) =>
          storedItem(acct, 'products', product(`p${i + j}`, old), old),
        ),
      );
    }
    noop[size] = acct;
    const call = await caller(api, acct);
    const cursor = encodeCursor(stack.services.cursorKey(), acct, 'sync', { since: Date.now() - 10 * 60_000 });
    await measure(
      stack,
      `noop-${size}`,
      `Sync Now, nothing to pull, ${size.toLocaleString('en')}-record account`,
      0,
      20,
      async () => undefined,
      async () => {
        const page = await call('POST', '/v1/sync/now', { deviceId: 'ipad-1', clientTime: Date.now(), cursor });
        if (page.hasMore || Object.values(page.changes as Record<string, unknown[]>).some((l) => l.length > 0))
          throw new Error('not a no-op');
      },
    );
  }
  const bigCall = await caller(api, noop[100_000]!);
  await stack.services.syncState.recordSync(
    noop[100_000]!,
    { userId: 'bench', deviceId: 'ipad-1' },
    Date.now(),
    Date.now() - 1000,
    false,
  );
  for (let i = 0; i < 20; i++)
    await bigCall('PUT', `/v1/records/products/p${i * 997}`, {
      name: `web edit ${i}`,
      sku: 'x',
      priceCents: 1,
      currency: 'EUR',
    });
  await measure(
    stack,
    'status-100000',
    'Status page, 100,000-record account, 20 pending',
    0,
    10,
    async () => undefined,
    async () => {
      const status = await bigCall('GET', '/v1/sync/status?deviceId=ipad-1');
      if (status.collections.products.pendingChanges !== 20)
        throw new Error(`pending ${status.collections.products.pendingChanges}`);
    },
  );

  // 8. Over a link: the reference client on trade-show Wi-Fi and 4G, compressed and not; and what
  // compressing one page costs the function.
  const links = await linkScenarios();
  const compression = compressionPerPage();

  // 9. Cold start: the bundles CDK would deploy, imported by a fresh Node process, against the floor of
  // importing the DynamoDB document client alone (what any function of ours must load), in the same run.
  log('building the Lambda bundles through CDK');
  const outdir = join(ROOT, 'cdk.out', `bench-${process.pid}`);
  const bundles: Bundle[] = [];
  let importFloorMs = 0;
  try {
    const built = bundlesOf(synthesize(outdir));
    const floorFile = join(outdir, 'import-floor.mjs');
    writeFileSync(
      floorFile,
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n" +
        "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\n" +
        'DynamoDBDocumentClient.from(new DynamoDBClient({}));\n',
    );
    const times = new Map<string, number[]>();
    // Interleaved, so a change in the machine's load falls on the floor and the bundles alike.
    for (let i = 0; i < 7; i++) {
      for (const { name, file } of [{ name: 'floor', file: floorFile }, ...built]) {
        times.set(name, [...(times.get(name) ?? []), importMs(file)]);
      }
    }
    importFloorMs = median(times.get('floor')!);
    for (const { name, bytes } of built) bundles.push({ name, kb: bytes / 1024, importMs: median(times.get(name)!) });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }

  report(bestFloor!, bundles, importFloorMs, { ...links, compression }, pages, (Date.now() - started) / 1000);
} finally {
  await stack.stop();
}

/** How long a fresh Node process takes to import `file`, ms. */
function importMs(file: string): number {
  const out = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      'const t = performance.now(); await import(process.env.BUNDLE); console.log(performance.now() - t);',
    ],
    {
      env: { ...process.env, BUNDLE: `file://${file}`, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      encoding: 'utf8',
    },
  );
  const ms = Number(out.stdout.trim());
  if (!Number.isFinite(ms)) throw new Error(`importing ${file} failed: ${out.stderr.slice(0, 500)}`);
  return ms;
}

// ── Over a link ──────────────────────────────────────────────────────────

type LinkRow = {
  link: string;
  scenario: string;
  mode: Mode;
  requests: number;
  up: number;
  down: number;
  wallS: number;
  loopbackS: number;
  /** What the link could not have done faster: bytes at bandwidth, a round trip per request and connection. */
  physicalS: number;
};
type Compression = { encoding: string; plainBytes: number; ratio: number; ms: number }[];
type Links = {
  rows: LinkRow[];
  baselines: { link: string; records: number; seconds: number }[];
  compression?: Compression;
  /** A first Sync Now of the catalogue over trade-show Wi-Fi through the SDK and each framework adapter. */
  adapters?: AdapterRow[];
};

/** One Sync Now page of 1,000 catalogue records, compressed as the functions do (median of 15). */
function compressionPerPage(): Compression {
  const page = Buffer.from(
    JSON.stringify({ changes: { products: Array.from({ length: 1000 }, (_, i) => product(`p${i}`, Date.now())) } }),
  );
  return (['gzip', 'br'] as const).map((encoding) => {
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      size = compressBody(encoding, page).length;
      times.push(performance.now() - t);
    }
    return { encoding, plainBytes: page.length, ratio: page.length / size, ms: median(times) };
  });
}

/** One scenario: `setup` builds the device (untimed), `work` is timed. */
type Scenario = {
  name: string;
  setup: (baseUrl: string, mode: Mode, count: { requests: number }) => Promise<SyncClient>;
  work: (client: SyncClient) => Promise<void>;
};

async function linkScenarios(): Promise<Links> {
  log('link scenarios: building a 10,000-product catalogue and a 1,000-product account to edit');
  const catalogueAccount = account('catalogue');
  const seededAt = Date.now() - 3_600_000;
  await seedItems(
    stack.client,
    Array.from({ length: 10_000 }, (_, i) =>
      storedItem(catalogueAccount, 'products', product(`p${i}`, seededAt), seededAt),
    ),
  );
  const editAccount = account('edits');
  await seedItems(
    stack.client,
    Array.from({ length: 1000 }, (_, i) => storedItem(editAccount, 'products', product(`p${i}`, seededAt), seededAt)),
  );
  let devices = 0;
  const held = async (client: SyncClient, n: number) => {
    const count = (await client.list('products')).length;
    if (count !== n) throw new Error(`the device holds ${count} products, not ${n}`);
  };
  const firstSync: Scenario = {
    name: 'first Sync Now, 10,000 products (pages of 1,000)',
    setup: (url, mode, count) =>
      sdkDevice({
        baseUrl: url,
        jwtSecret: JWT_SECRET,
        accountId: catalogueAccount,
        deviceId: `tablet-${++devices}`,
        mode,
        count,
      }),
    work: async (client) => {
      await client.syncNow();
      await held(client, 10_000);
    },
  };
  /** A device holding the whole catalogue (synced on loopback: not measured), then the same device over `url`. */
  const syncedDevice = async (
    url: string,
    mode: Mode,
    count: { requests: number },
    damage?: (s: MemoryStore) => Promise<void>,
  ) => {
    const store = new MemoryStore();
    const deviceId = `tablet-${++devices}`;
    await (
      await sdkDevice({
        baseUrl: api,
        jwtSecret: JWT_SECRET,
        accountId: catalogueAccount,
        deviceId,
        mode,
        count: { requests: 0 },
        store,
      })
    ).syncNow();
    await damage?.(store);
    return sdkDevice({
      baseUrl: url,
      jwtSecret: JWT_SECRET,
      accountId: catalogueAccount,
      deviceId,
      mode,
      count,
      store,
    });
  };
  const noop: Scenario = {
    name: 'Sync Now with nothing to pull',
    setup: (url, mode, count) => syncedDevice(url, mode, count),
    work: async (client) => {
      const summary = await client.syncNow();
      if (summary.pulled !== 0) throw new Error(`pulled ${summary.pulled}`);
    },
  };
  const verify: Scenario = {
    name: 'Verify, 10,000 products that match',
    setup: (url, mode, count) => syncedDevice(url, mode, count),
    work: async (client) => {
      const found = await client.verify();
      if (!found.matched) throw new Error('a synced catalogue did not verify');
    },
  };
  const repair: Scenario = {
    name: 'Verify and repair, 10 of 10,000 damaged',
    setup: (url, mode, count) => syncedDevice(url, mode, count, damageTen),
    work: async (client) => {
      const found = await client.verify();
      const repaired = await client.repair(found);
      if (found.matched || !repaired.after.matched || repaired.stored + repaired.removed !== 10)
        throw new Error(
          `repair: ${JSON.stringify({ ...repaired, records: undefined, after: repaired.after.matched })}`,
        );
    },
  };
  const push: Scenario = {
    name: 'login push, 1,000 edits',
    setup: async (url, mode, count) => {
      const client = await sdkDevice({
        baseUrl: url,
        jwtSecret: JWT_SECRET,
        accountId: editAccount,
        deviceId: `phone-${++devices}`,
        mode,
        count,
      });
      for (let i = 0; i < 1000; i++)
        await client.save('products', { ...product(`p${i}`, 0, `Edited ${i} on ${devices}`) });
      return client;
    },
    work: async (client) => {
      const summary = await client.loginPush();
      const updated = summary.outcomes.filter((o) => o.status === 'updated').length;
      if (updated !== 1000) throw new Error(`${updated} of 1,000 edits updated`);
    },
  };

  const rows: LinkRow[] = [];
  const baselines: Links['baselines'] = [];
  for (const profile of [TRADE_SHOW_WIFI, FOUR_G]) {
    for (const scenario of [firstSync, push, noop, verify, repair]) {
      for (const mode of ['gzip', 'plain'] as const) {
        const loopback: number[] = [];
        for (let run = 0; run < 3; run++) {
          const client = await scenario.setup(api, mode, { requests: 0 });
          const t = performance.now();
          await scenario.work(client);
          loopback.push(performance.now() - t);
        }
        const link = await startLink(api, profile);
        try {
          const count = { requests: 0 };
          const client = await scenario.setup(link.url, mode, count);
          link.reset();
          count.requests = 0;
          log(`${profile.name}: ${scenario.name}, ${mode}`);
          const t = performance.now();
          await scenario.work(client);
          const wallS = (performance.now() - t) / 1000;
          rows.push({
            link: profile.name,
            scenario: scenario.name,
            mode,
            requests: count.requests,
            up: link.counters.up,
            down: link.counters.down,
            wallS,
            loopbackS: median(loopback) / 1000,
            physicalS: physicalCost(profile, link.counters, count.requests),
          });
        } finally {
          await link.close();
        }
      }
    }
    baselines.push({ link: profile.name, ...(await linkBaseline(profile)) });
  }
  // The same first Sync Now through each framework adapter, next to the SDK (bench/adapters.ts).
  const adapters = await firstSyncThroughAdapters({
    api,
    account: catalogueAccount,
    jwtSecret: JWT_SECRET,
    profile: TRADE_SHOW_WIFI,
    expected: 10_000,
    log,
  });
  return { rows, baselines, adapters };
}

/**
 * Ten records of a device's catalogue damaged, spread over the id range:
 * three lost, three left at an older version, two at another version, and
 * two the backend never had.
 */
async function damageTen(store: MemoryStore): Promise<void> {
  const rows = (await store.list('products')).sort((a, b) => (a.id < b.id ? -1 : 1));
  const picked = Array.from({ length: 8 }, (_, k) => rows[Math.floor(((k + 0.5) * rows.length) / 8)]!);
  const shifted = (row: LocalRow, by: number): LocalRow => ({
    ...row,
    record: { ...row.record, updatedAt: row.record.updatedAt + by },
    backend: row.backend === null ? null : { ...row.backend, updatedAt: row.backend.updatedAt + by },
  });
  await store.apply({
    remove: picked.slice(0, 3).map(({ collection, id }) => ({ collection, id })),
    put: [
      ...picked.slice(3, 6).map((row) => shifted(row, -86_400_000)),
      ...picked.slice(6, 8).map((row) => shifted(row, 1)),
      ...[0, 1].map((k) => ({
        ...shifted(picked[k]!, 0),
        id: `${picked[k]!.id}-extra`,
        record: { ...picked[k]!.record, id: `${picked[k]!.id}-extra` },
      })),
    ],
  });
}

/** The per-record pattern through the link: 100 records one request each, timed (and extrapolated in the report). */
async function linkBaseline(profile: LinkProfile): Promise<{ records: number; seconds: number }> {
  const link = await startLink(api, profile);
  try {
    const call = await caller(link.url, account('naive'));
    const records = Array.from({ length: 100 }, (_, i) => product(`p${i}`, Date.now()));
    log(`${profile.name}: baseline, 100 records one by one`);
    const t = performance.now();
    await naivePush(call, records);
    return { records: records.length, seconds: (performance.now() - t) / 1000 };
  } finally {
    await link.close();
  }
}

// ── The report ───────────────────────────────────────────────────────────

type Bundle = { name: string; kb: number; importMs: number };

function report(
  floor: { concurrency: number; median: number },
  bundles: Bundle[],
  importFloorMs: number,
  links: Links,
  pullPages: number,
  seconds: number,
) {
  const get = (id: string) => measurements.get(id)!;
  const ms = (m: Measurement) => median(m.runs);
  const ratio = (a: number, b: number) => a / b;
  const reqs = (m: Measurement) =>
    Object.entries(m.requests)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
  const rows = [...measurements.values()].map((m) => ({
    scenario: m.title,
    medianMs: Math.round(ms(m)),
    minMs: Math.round(Math.min(...m.runs)),
    maxMs: Math.round(Math.max(...m.runs)),
    recordsPerSecond: m.records > 0 ? Math.round(m.records / (ms(m) / 1000)) : null,
    requests: reqs(m),
    capacityPerRecord: m.capacityPerRecord === null ? null : Number(m.capacityPerRecord.toFixed(2)),
    writesPerRecord: m.writesPerRecord === null ? null : Number(m.writesPerRecord.toFixed(2)),
    landedPerRecord: m.landedPerRecord === null ? null : Number(m.landedPerRecord.toFixed(2)),
    syncStateCapacity: m.syncStateCapacity,
  }));

  const push1k = get('push-1000');
  const updates = get('push-updates');
  const targets: { target: string; measured: string; met: boolean }[] = [
    {
      target: 'Login push: 1 write request per record, 0 reads',
      measured: `1,000 records → ${reqs(push1k)}`,
      met: push1k.requests.PutItem === 1000 && (push1k.requests.GetItem ?? 0) + (push1k.requests.Query ?? 0) === 0,
    },
    {
      target: 'v1.3: an edit of the latest version (base) from a slow clock: 1 write request per record, each landed',
      measured: `${get('push-base-edits').writesPerRecord} (${get('push-base-edits').landedPerRecord} landed)`,
      met: get('push-base-edits').writesPerRecord === 1 && get('push-base-edits').landedPerRecord === 1,
    },
    {
      target: 'v1.3: an echo of the current content: 1 write request per record, none landed',
      measured: `${get('push-echoes').writesPerRecord} (${get('push-echoes').landedPerRecord} landed)`,
      met: get('push-echoes').writesPerRecord === 1 && get('push-echoes').landedPerRecord === 0,
    },
    {
      target: 'Login push within 1.5× of the floor (1,000)',
      measured: `${ratio(ms(push1k), floor.median).toFixed(2)}× (floor ${Math.round(floor.median)} ms at ${floor.concurrency} in flight)`,
      met: ratio(ms(push1k), floor.median) <= 1.5,
    },
    {
      target: '≤ 2 WCU per new 1 KB record, feed included',
      measured:
        push1k.capacityPerRecord === null
          ? 'not reported'
          : `${push1k.capacityPerRecord.toFixed(2)} capacity units per record`,
      met: push1k.capacityPerRecord !== null && push1k.capacityPerRecord <= 2.0 + 1e-9,
    },
    {
      target: '≤ 3 WCU per update, feed included',
      measured:
        updates.capacityPerRecord === null
          ? 'not reported'
          : `${updates.capacityPerRecord.toFixed(2)} per updated record`,
      met: updates.capacityPerRecord !== null && updates.capacityPerRecord <= 3 + 1e-9,
    },
    {
      target: 'No-op Sync Now: ≤ 1 query per collection',
      measured: `${reqs(get('noop-100000'))}`,
      met: (get('noop-100000').requests.Query ?? 0) <= 3 && (get('noop-1000').requests.Query ?? 0) <= 3,
    },
    {
      target: 'No-op Sync Now: 100,000-record account within 1.2× of 1,000',
      measured: `${ratio(ms(get('noop-100000')), ms(get('noop-1000'))).toFixed(2)}× (${ms(get('noop-1000')).toFixed(1)} → ${ms(get('noop-100000')).toFixed(1)} ms)`,
      met: ratio(ms(get('noop-100000')), ms(get('noop-1000'))) <= 1.2,
    },
    {
      target: 'Status: no request grows with account size (100,000 records, 20 pending)',
      measured: `${reqs(get('status-100000'))}, ${get('status-100000').capacityPerRecord ?? ''}`.replace(/, $/, ''),
      met: (get('status-100000').requests.Scan ?? 0) === 0 && (get('status-100000').requests.Query ?? 0) <= 6,
    },
    {
      target: 'Handler bundles ≤ 300 KB minified',
      measured: `largest ${Math.max(...bundles.map((b) => b.kb)).toFixed(0)} KB`,
      met: bundles.every((b) => b.kb <= 300),
    },
    {
      target: 'Bundle import ≤ 1.5× the floor (importing the DynamoDB document client alone, same run)',
      measured: `slowest ${(Math.max(...bundles.map((b) => b.importMs)) / importFloorMs).toFixed(2)}× (floor ${importFloorMs.toFixed(0)} ms)`,
      met: bundles.every((b) => b.importMs <= 1.5 * importFloorMs),
    },
    ...linkTargets(links),
  ];

  const lines: string[] = [];
  lines.push(`Benchmark — ${new Date().toISOString()} — node ${process.version}, ${seconds.toFixed(0)} s`, '');
  lines.push(
    '| scenario | median ms | min | max | records/s | DynamoDB requests (last run) | write requests / record (landed) | records-table capacity / record | sync-state capacity |',
    '|---|---:|---:|---:|---:|---|---:|---:|',
  );
  for (const r of rows)
    lines.push(
      `| ${r.scenario} | ${r.medianMs} | ${r.minMs} | ${r.maxMs} | ${r.recordsPerSecond ?? ''} | ${r.requests} | ${r.writesPerRecord === null ? '' : `${r.writesPerRecord} (${r.landedPerRecord})`} | ${r.capacityPerRecord ?? ''} | ${r.syncStateCapacity || ''} |`,
    );
  lines.push('', `Sync Now pull of 10,000 records: ${pullPages} pages.`, '');
  lines.push(...linkTable(links), '');
  lines.push(
    `| bundle | size KB | import ms (median of 7) | against the floor (${importFloorMs.toFixed(0)} ms) |`,
    '|---|---:|---:|---:|',
  );
  for (const b of bundles)
    lines.push(
      `| ${b.name} | ${b.kb.toFixed(1)} | ${b.importMs.toFixed(0)} | ${(b.importMs / importFloorMs).toFixed(2)}× |`,
    );
  lines.push('', '| target | measured | |', '|---|---|---|');
  for (const t of targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`);
  const markdown = `${lines.join('\n')}\n`;
  process.stdout.write(`\n${markdown}`);
  writeFileSync(join(ROOT, 'bench', 'results', 'bench.md'), markdown);
  writeFileSync(
    join(ROOT, 'bench', 'results', 'bench.json'),
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        seconds,
        rows,
        pullPages,
        floor,
        links,
        importFloorMs,
        bundles,
        targets,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote bench/results/bench.md and bench.json`);
}

function kb(bytes: number): string {
  return (bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0);
}

function linkTable({ rows, baselines, compression = [], adapters = [] }: Links): string[] {
  const lines = [
    '| link | scenario | encoding | requests | KB up | KB down | wall s | same work on loopback s | link adds s | physical cost s | adds ÷ physical |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const adds = r.wallS - r.loopbackS;
    lines.push(
      `| ${r.link} | ${r.scenario} | ${r.mode} | ${r.requests} | ${kb(r.up)} | ${kb(r.down)} | ${r.wallS.toFixed(2)} | ${r.loopbackS.toFixed(2)} | ${adds.toFixed(2)} | ${r.physicalS.toFixed(2)} | ${(adds / r.physicalS).toFixed(2)} |`,
    );
  }
  lines.push('');
  for (const b of baselines)
    lines.push(
      `Per-record baseline over ${b.link}: ${b.records} records one request each took ${b.seconds.toFixed(1)} s; ` +
        `1,000 extrapolated linearly: ${((b.seconds * 1000) / b.records).toFixed(0)} s.`,
    );
  for (const link of new Set(rows.map((r) => r.link))) {
    const snapshot = rows.find((r) => r.link === link && r.scenario.startsWith('first Sync Now') && r.mode === 'gzip');
    for (const r of rows.filter((r) => r.link === link && r.scenario.startsWith('Verify') && r.mode === 'gzip'))
      if (snapshot)
        lines.push(
          `${link}: ${r.scenario.charAt(0).toLowerCase()}${r.scenario.slice(1)}: ${r.wallS.toFixed(1)} s and ${kb(r.up + r.down)} KB, ` +
            `against a full snapshot's ${snapshot.wallS.toFixed(1)} s and ${kb(snapshot.up + snapshot.down)} KB.`,
        );
  }
  for (const c of compression)
    lines.push(
      `A page of 1,000 catalogue records (${kb(c.plainBytes)} KB of JSON) in ${c.encoding}${c.encoding === 'br' ? ' (quality 5)' : ''}: ${c.ratio.toFixed(2)}× smaller, ${c.ms.toFixed(1)} ms of CPU.`,
    );
  lines.push(
    '',
    "Physical cost: the bytes that crossed at the link's bandwidth each way, plus one round trip per request and per connection opened. " +
      'What the link adds is the wall time less the same work on loopback (median of 3).',
  );
  if (adapters.length > 0) lines.push('', ...adapterTable(adapters, TRADE_SHOW_WIFI.name, 10_000));
  return lines;
}

function linkTargets({ rows, baselines, adapters = [] }: Links): { target: string; measured: string; met: boolean }[] {
  const row = (link: string, scenario: string, mode: Mode) =>
    rows.find((r) => r.link === link && r.scenario.startsWith(scenario) && r.mode === mode)!;
  const show = TRADE_SHOW_WIFI.name;
  const catalogueGzip = row(show, 'first Sync Now', 'gzip');
  const cataloguePlain = row(show, 'first Sync Now', 'plain');
  const wire = catalogueGzip.down / cataloguePlain.down;
  const compressed = rows.filter((r) => r.mode === 'gzip');
  const worst = compressed.reduce((w, r) =>
    (r.wallS - r.loopbackS) / r.physicalS > (w.wallS - w.loopbackS) / w.physicalS ? r : w,
  );
  const worstRatio = (worst.wallS - worst.loopbackS) / worst.physicalS;
  const pushGzip = row(show, 'login push', 'gzip');
  const baseline = baselines.find((b) => b.link === show)!;
  const baseline1000 = (baseline.seconds * 1000) / baseline.records;
  return [
    {
      target: 'Catalogue on the wire ≤ 25% of its uncompressed JSON (gzip, first Sync Now of 10,000)',
      measured: `${(100 * wire).toFixed(1)}% (${kb(catalogueGzip.down)} KB against ${kb(cataloguePlain.down)} KB)`,
      met: wire <= 0.25,
    },
    {
      target: 'What the link adds ≤ 1.3× its physical cost (every compressed scenario, both links)',
      measured: `worst ${worstRatio.toFixed(2)}× (${worst.link}, ${worst.scenario})`,
      met: worstRatio <= 1.3,
    },
    {
      target: 'First Sync Now of 10,000 products over trade-show Wi-Fi in under 15 s',
      measured: `${catalogueGzip.wallS.toFixed(1)} s (uncompressed: ${cataloguePlain.wallS.toFixed(1)} s)`,
      met: catalogueGzip.wallS < 15,
    },
    {
      target: 'Login push of 1,000 edits over trade-show Wi-Fi ≥ 50× the per-record baseline',
      measured: `${(baseline1000 / pushGzip.wallS).toFixed(0)}× (${pushGzip.wallS.toFixed(1)} s against ${baseline1000.toFixed(0)} s, extrapolated from ${baseline.records})`,
      met: baseline1000 / pushGzip.wallS >= 50,
    },
    ...adapterTargets(adapters),
  ];
}
