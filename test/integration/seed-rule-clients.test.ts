// One scenario, three clients: the seed-rule property (test/support/seed-rule-scenario.ts)
// against the real local server for the SDK on its own store, and for the
// RxDB and WatermelonDB adapters — the same histories, the same checks, what
// each app shows read through its own framework. FC_SEED=<n> FC_PATH=<p>
// replay a failure as fast-check prints it; FC_RUNS and FC_STEPS set the
// number and length of histories (npm run test:soak).
import { test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe } from 'vitest';
import { MemoryStore, SyncClient, type WireRecord } from '../../client/index.ts';
import { recordOf as fromRxdb } from '../../client/rxdb.ts';
import { recordOf as fromWatermelon } from '../../client/watermelon.ts';
import { openRxdb, openWatermelon } from '../support/frameworks.ts';
import { type Stack, startStack } from '../support/local-stack.ts';
import { propertyParams } from '../support/property.ts';
import { type Clock, histories, type OpenReplica, runHistory } from '../support/seed-rule-scenario.ts';

const params = propertyParams(6);
const steps = Number(process.env.FC_STEPS ?? 20);
const byId = (records: WireRecord[]) => records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

const clock: Clock = { now: 1_800_000_000_000 };
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ now: () => clock.now });
});
afterAll(async () => {
  await stack?.stop();
});

const clients: [string, OpenReplica][] = [
  [
    'the SDK (memory store)',
    async (options) => {
      const client = new SyncClient({ ...options, store: new MemoryStore() });
      return { client, shown: async (c) => byId(await client.list(c)), close: async () => {} };
    },
  ],
  [
    'the RxDB adapter',
    async (options) => {
      const { db, store } = await openRxdb();
      const client = new SyncClient({ ...options, store });
      return {
        client,
        shown: async (c) => byId((await db.collections[c]!.find().exec()).map((doc) => fromRxdb(doc))),
        // RxDB's free build allows 13 open collections per process.
        close: async () => void (await db.close()),
      };
    },
  ],
  [
    'the WatermelonDB adapter',
    async (options) => {
      const { db, store } = await openWatermelon();
      const client = new SyncClient({ ...options, store });
      return {
        client,
        shown: async (c) => byId((await db.get(c).query().fetch()).map((row) => fromWatermelon(c, row))),
        close: async () => {},
      };
    },
  ],
];

describe.each(clients)('%s', (_name, open) => {
  test.prop([histories(steps)], params)(
    `${params.numRuns} histories of two replicas: every lost edit is kept, only a newer version or a deletion beats one, a login push shows nothing new, and the replicas end as the backend`,
    (history) => runHistory(stack, clock, open, history),
    10 * 60_000,
  );
});
