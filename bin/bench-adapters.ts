// npm run bench:adapters — only the adapters' part of `npm run bench`
// (bench/adapters.ts): a first Sync Now of 10,000 catalogue products over
// trade-show Wi-Fi through the SDK, the RxDB adapter and the WatermelonDB
// adapter in the same run, with its own DynamoDB Local and local API.

import { adapterTable, adapterTargets, firstSyncThroughAdapters } from '../bench/adapters.ts';
import { catalogueProduct } from '../bench/catalogue.ts';
import { TRADE_SHOW_WIFI } from '../bench/link-proxy.ts';
import { startLocalStack } from '../dev/local-stack.ts';
import { seedItems, storedItem } from '../dev/seed.ts';

const JWT_SECRET = 'bench-secret';
const RECORDS = 10_000;
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)}  ${message}\n`);

const stack = await startLocalStack({ jwtSecret: JWT_SECRET });
try {
  const account = 'bench-adapters';
  const seededAt = Date.now() - 3_600_000;
  log(`seeding a ${RECORDS.toLocaleString('en')}-product catalogue`);
  await seedItems(
    stack.client,
    Array.from({ length: RECORDS }, (_, i) =>
      storedItem(account, 'products', catalogueProduct(`p${i}`, i, seededAt), seededAt),
    ),
  );
  // Unmeasured: a first pass of each client, so the JIT and DynamoDB Local's JVM meet the runs warmed up.
  await firstSyncThroughAdapters({
    api: stack.api.url,
    account,
    jwtSecret: JWT_SECRET,
    expected: RECORDS,
    runs: 1,
    log,
  });
  const rows = await firstSyncThroughAdapters({
    api: stack.api.url,
    account,
    jwtSecret: JWT_SECRET,
    profile: TRADE_SHOW_WIFI,
    expected: RECORDS,
    log,
  });
  const lines = [...adapterTable(rows, TRADE_SHOW_WIFI.name, RECORDS), '', '| target | measured | |', '|---|---|---|'];
  for (const t of adapterTargets(rows)) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`);
  process.stdout.write(`\n${lines.join('\n')}\n`);
} finally {
  await stack.stop();
}
