// A first Sync Now of the catalogue through each client we ship, over one
// link, in the same run: the SDK on its memory store, the RxDB adapter on
// RxDB's memory storage and the WatermelonDB adapter on LokiJS in memory.
// The adapters run the SDK's passes over their framework's database, so they
// must send the same requests; what they may add is the time their framework
// takes to write a page. Runs are interleaved (SDK, RxDB, Watermelon, SDK, …)
// so a change in the machine's load falls on all three alike.
import { type LocalStore, MemoryStore } from '../client/index.ts';
import { openRxdb, openWatermelon } from '../test/support/frameworks.ts';
import { type LinkProfile, startLink } from './link-proxy.ts';
import { sdkDevice } from './sdk-device.ts';

export type AdapterRow = { client: string; requests: number[]; runsS: number[] };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Each client's store, fresh for a run, and how to close it. */
const clients: { name: string; open: () => Promise<{ store: LocalStore; close: () => Promise<unknown> }> }[] = [
  { name: 'SDK (MemoryStore)', open: async () => ({ store: new MemoryStore(), close: async () => {} }) },
  {
    name: 'RxDB adapter (memory storage)',
    open: async () => {
      const { db, store } = await openRxdb();
      // RxDB's free build allows 13 open collections per process.
      return { store, close: () => db.close() };
    },
  },
  {
    name: 'WatermelonDB adapter (LokiJS in memory)',
    open: async () => ({ store: (await openWatermelon()).store, close: async () => {} }),
  },
];

/** `runs` first Sync Nows of `account`'s `expected` products over `profile` (none: loopback), per client. */
export async function firstSyncThroughAdapters(options: {
  api: string;
  account: string;
  jwtSecret: string;
  profile?: LinkProfile;
  expected: number;
  runs?: number;
  log: (message: string) => void;
}): Promise<AdapterRow[]> {
  const rows = clients.map((c): AdapterRow => ({ client: c.name, requests: [], runsS: [] }));
  let devices = 0;
  for (let run = 0; run < (options.runs ?? 3); run++) {
    for (const [i, kind] of clients.entries()) {
      const { store, close } = await kind.open();
      const link = options.profile === undefined ? null : await startLink(options.api, options.profile);
      try {
        const deviceId = `adapter-tablet-${++devices}`;
        const count = { requests: 0 };
        const client = await sdkDevice({
          baseUrl: link?.url ?? options.api,
          jwtSecret: options.jwtSecret,
          accountId: options.account,
          deviceId,
          mode: 'gzip',
          count,
          store,
        });
        options.log(`${options.profile?.name ?? 'loopback'}: first Sync Now through the ${kind.name}, run ${run + 1}`);
        const t = performance.now();
        await client.syncNow();
        const held = (await client.list('products')).length;
        rows[i]!.runsS.push((performance.now() - t) / 1000);
        rows[i]!.requests.push(count.requests);
        if (held !== options.expected)
          throw new Error(`the ${kind.name} holds ${held} products, not ${options.expected}`);
      } finally {
        await link?.close();
        await close();
      }
    }
  }
  return rows;
}

/** The adapters' targets: the SDK's requests, and median wall time within 1.2× the SDK's plus 0.5 s. */
export function adapterTargets(rows: AdapterRow[]): { target: string; measured: string; met: boolean }[] {
  const [sdk, ...adapters] = rows;
  if (sdk === undefined) return [];
  return adapters.flatMap((a) => [
    {
      target: `${a.client}: the SDK's requests (first Sync Now of the catalogue)`,
      measured: `${a.requests.join(', ')} against ${sdk.requests.join(', ')}`,
      met: a.requests.every((n) => n === sdk.requests[0]) && sdk.requests.every((n) => n === sdk.requests[0]),
    },
    {
      target: `${a.client}: median wall time ≤ 1.2× the SDK's + 0.5 s`,
      measured: `${median(a.runsS).toFixed(2)} s against ${median(sdk.runsS).toFixed(2)} s (limit ${(1.2 * median(sdk.runsS) + 0.5).toFixed(2)} s)`,
      met: median(a.runsS) <= 1.2 * median(sdk.runsS) + 0.5,
    },
  ]);
}

export function adapterTable(rows: AdapterRow[], link: string, records: number): string[] {
  return [
    `| client | link | records | requests | wall s (median of ${rows[0]?.runsS.length ?? 0}) | runs s |`,
    '|---|---|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.client} | ${link} | ${records} | ${r.requests.join(', ')} | ${median(r.runsS).toFixed(2)} | ${r.runsS.map((s) => s.toFixed(2)).join(', ')} |`,
    ),
  ];
}
