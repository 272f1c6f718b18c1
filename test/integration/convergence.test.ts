// Convergence, as a property (fast-check, seeded and replayable): random
// histories of several devices and the web — creates, edits, device and web
// deletes, offline stretches, device clocks off by hours either way,
// concurrent requests, requests duplicated, answered but lost (after the
// server applied them) or failing before they left — then a quiet Sync Now
// on every device. Then:
//   1. every device holds exactly the backend's live records;
//   2. the backend holds, per record, the latest version the server applied
//      (last writer wins on the server clock, skew corrected), and a device
//      version's stored updatedAt is the server time of the edit — or, for
//      an edit of the version the backend held (v1.3's B4), just past that
//      version when the edit's own time is not;
//   3. no acknowledged write is lost unless a later version superseded it;
//   4. nothing deleted comes back.
// A failure prints fast-check's seed and path: FC_SEED=<seed> FC_PATH=<path>
// replays it (with the same FC_STEPS); FC_RUNS and FC_STEPS set how many runs
// and how long a history (npm run test:soak).
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, expect } from 'vitest';
import { type Fetch, MemoryStore, SyncClient } from '../../client/index.ts';
import { signLocalToken } from '../../dev/local-token.ts';
import { type CollectionName, collectionNames } from '../../protocol/records.ts';
import { markedRecord, markerOf } from '../support/fixtures.ts';
import { type Stack, startStack, TEST_JWT_SECRET } from '../support/local-stack.ts';
import { propertyParams } from '../support/property.ts';
import { type SentRequest, sentJson, webRequest } from '../support/wire.ts';

const params = propertyParams(12);
const MAX_STEPS = Number(process.env.FC_STEPS ?? 30);
const HOUR = 3_600_000;
const COLLECTIONS = collectionNames;
const IDS = ['a', 'b', 'c'];
const DEVICES = 3;

// The server clock: frozen while a step's requests run, moved only by `tick` steps.
let serverClock = 0;

let stack: Stack;
let largest = 0; // actions in the longest history run, reported at the end
beforeAll(async () => {
  stack = await startStack({ now: () => serverClock });
});
afterAll(async () => {
  if (largest > 0) console.info(`largest history: ${largest} actions`);
  await stack?.stop();
});

type Collection = CollectionName;
type Fault = 'none' | 'duplicate' | 'lostResponse' | 'failBeforeSending';
type Action =
  | { kind: 'edit'; device: number; collection: Collection; id: string }
  | { kind: 'delete'; device: number; collection: Collection; id: string }
  | { kind: 'loginPush'; device: number }
  | { kind: 'syncNow'; device: number }
  | { kind: 'webPut'; collection: Collection; id: string }
  | { kind: 'webDelete'; collection: Collection; id: string };
type Step = { tick: number } | { actions: Action[] };

const target = { collection: fc.constantFrom(...COLLECTIONS), id: fc.constantFrom(...IDS) };
const device = fc.integer({ min: 0, max: DEVICES - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('edit' as const), device, ...target }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), device, ...target }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('loginPush' as const), device }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('syncNow' as const), device }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('webPut' as const), ...target }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('webDelete' as const), ...target }) },
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ actions: fc.array(action, { minLength: 1, maxLength: 3 }) }) },
  // Offline stretches: a millisecond to a day passes.
  {
    weight: 1,
    arbitrary: fc.record({ tick: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 24 * HOUR })) }),
  },
);
const history = fc.record({
  skews: fc.array(fc.integer({ min: -6 * HOUR, max: 6 * HOUR }), { minLength: DEVICES, maxLength: DEVICES }),
  faults: fc.array(fc.constantFrom<Fault>('none', 'none', 'none', 'duplicate', 'lostResponse', 'failBeforeSending'), {
    minLength: 1,
    maxLength: 40,
  }),
  steps: fc.array(step, { minLength: 1, maxLength: MAX_STEPS, size: 'max' }),
});

/** What the server applied, seen on the wire: every version it stored, and every deletion. */
type Applied = { name: string; updatedAt: number; deleted: boolean };

// @fast-check/vitest appends the seed to the test's name.
test.prop([history], params)(
  `converges: ${params.numRuns} random histories of up to ${MAX_STEPS} steps`,
  async ({ skews, faults, steps }) => {
    largest = Math.max(
      largest,
      steps.reduce((n, s) => n + ('actions' in s ? s.actions.length : 0), 0),
    );
    await runHistory(skews, faults, steps);
  },
  30 * 60_000,
);

async function runHistory(skews: number[], faults: Fault[], steps: Step[]): Promise<void> {
  serverClock = 1_800_000_000_000;
  const account = stack.newAccount();
  const applied = new Map<string, Applied[]>(); // `${collection}/${id}` → versions the server stored
  const record = (collection: string, id: string, v: Applied) =>
    applied.set(`${collection}/${id}`, [...(applied.get(`${collection}/${id}`) ?? []), v]);
  // Every version the server stored, with its updatedAt as stored and as skew
  // correction predicts it. Compared after the history, not in `observe`: an
  // error thrown there, inside the device's fetch, is retried away as a network error.
  const stored: { version: string; updatedAt: number }[] = [];
  const corrected: { version: string; updatedAt: number }[] = [];
  let faultIndex = 0;
  let faultsOn = true;
  let names = 0;

  // Every request goes through here: it injects faults and records what the server applied.
  const wire = (skew = 0): Fetch => {
    let previousFaulted = false;
    return async (url, init) => {
      const fault = faultsOn && !previousFaulted ? faults[faultIndex++ % faults.length]! : 'none';
      previousFaulted = fault !== 'none';
      if (fault === 'failBeforeSending') throw new TypeError('network down');
      if (fault === 'duplicate') await observe(init, await fetch(url, init), skew);
      const response = await fetch(url, init);
      const text = await response.text();
      await observe(init, { status: response.status, text: async () => text }, skew);
      if (fault === 'lostResponse') throw new TypeError('connection reset after the server answered');
      return { status: response.status, headers: response.headers, text: async () => text };
    };
  };
  const observe = async (init: SentRequest, response: { status: number; text(): Promise<string> }, skew: number) => {
    if (response.status !== 200 || init.method !== 'POST' || !init.body) return;
    const sent = sentJson(init) as {
      changes?: Record<string, { id: string; updatedAt: number; base?: number | null; deleted?: boolean }[]>;
    };
    const body = JSON.parse(await response.text()) as {
      results: Record<string, { status: string; updatedAt: number }[]>;
    };
    for (const [collection, list] of Object.entries(body.results)) {
      list.forEach((result, i) => {
        const version = sent.changes?.[collection]?.[i];
        if (!version || !['created', 'updated'].includes(result.status)) return;
        record(collection, version.id, {
          name: markerOf(collection as Collection, version) ?? '',
          updatedAt: result.updatedAt,
          deleted: version.deleted === true,
        });
        // Skew correction: the device clock is server clock + skew, and the
        // server clock stands still during a step, so the effective updatedAt
        // is the device stamp minus the skew, clamped to the server's now. An
        // edit with a base is stored at least just past it (B4; and B6 only
        // writes an edit whose effective stamp is past the backend's, which is
        // past the base).
        const effective = Math.min(version.updatedAt - skew, serverClock);
        const base = version.base ?? null;
        stored.push({ version: `${collection}/${version.id}`, updatedAt: result.updatedAt });
        corrected.push({
          version: `${collection}/${version.id}`,
          updatedAt: base === null ? effective : Math.max(effective, base + 1),
        });
      });
    }
  };

  const token = (user: string) => signLocalToken(TEST_JWT_SECRET, account, user);
  const devices = await Promise.all(
    skews.map(async (skew, i) => {
      const bearer = await token(`rep-${i}`);
      return new SyncClient({
        baseUrl: stack.api.url,
        deviceId: `device-${i}`,
        token: () => bearer,
        store: new MemoryStore(),
        now: () => serverClock + skew, // this device's clock, hours off
        fetch: wire(skew),
        retry: { sleep: async () => {}, attempts: 4 },
        pageSize: 4,
      });
    }),
  );
  const webToken = await token('web-admin');
  const webFetch = wire();
  const web = async (method: string, path: string, body?: unknown) => {
    for (;;) {
      try {
        const r = await webFetch(stack.api.url + path, webRequest(method, webToken, body));
        const text = await r.text();
        return { status: r.status, body: text ? JSON.parse(text) : undefined };
      } catch {
        // the web app retries too; PUT and DELETE are idempotent
      }
    }
  };

  const run = async (a: Action) => {
    switch (a.kind) {
      case 'edit': {
        const name = `d${a.device}-${++names}`;
        return devices[a.device]!.save(a.collection, { ...markedRecord[a.collection](a.id, name), id: a.id });
      }
      case 'delete':
        return devices[a.device]!.remove(a.collection, a.id);
      case 'loginPush':
        return devices[a.device]!.loginPush();
      case 'syncNow':
        return devices[a.device]!.syncNow();
      case 'webPut': {
        const name = `web-${++names}`;
        const r = await web('PUT', `/v1/records/${a.collection}/${a.id}`, markedRecord[a.collection](a.id, name));
        if (r.status === 200 || r.status === 201)
          record(a.collection, a.id, { name, updatedAt: r.body.record.updatedAt, deleted: false });
        else expect(r.status).toBe(410);
        return;
      }
      case 'webDelete': {
        const r = await web('DELETE', `/v1/records/${a.collection}/${a.id}`);
        if (r.status === 204)
          record(a.collection, a.id, { name: '', updatedAt: Number.MAX_SAFE_INTEGER, deleted: true });
        else expect(r.status).toBe(404);
        return;
      }
    }
  };

  for (const s of steps) {
    if ('tick' in s) serverClock += s.tick;
    else await Promise.all(s.actions.map(run));
  }

  // Quiet: no more faults; every device syncs until it has nothing left to send, then once more to hear the others.
  faultsOn = false;
  serverClock += 1000;
  for (const d of devices) await d.syncNow();
  for (const d of devices) await d.syncNow();

  expect(stored, 'skew-corrected updatedAt of every version the server stored').toEqual(corrected);

  for (const collection of COLLECTIONS) {
    const backend = new Map<string, string | null>();
    for (const id of IDS) {
      const r = await web('GET', `/v1/records/${collection}/${id}`);
      const versions = applied.get(`${collection}/${id}`) ?? [];
      const deleted = versions.some((v) => v.deleted);
      if (deleted) {
        expect(r.status, `${collection}/${id}: deleted stays deleted`).toBe(410);
        continue;
      }
      if (versions.length === 0) {
        expect(r.status, `${collection}/${id}: never written`).toBe(404);
        continue;
      }
      expect(r.status, `${collection}/${id} is live`).toBe(200);
      const latest = Math.max(...versions.map((v) => v.updatedAt));
      expect(r.body.record.updatedAt, `${collection}/${id}: the latest version the server applied`).toBe(latest);
      const winners = versions.filter((v) => v.updatedAt === latest).map((v) => v.name);
      const holds = markerOf(collection, r.body.record);
      expect(winners, `${collection}/${id}: holds ${holds}, expected one of ${winners}`).toContain(holds);
      backend.set(id, holds);
    }
    for (const [i, d] of devices.entries()) {
      const held = new Map((await d.list(collection)).map((r) => [r.id, markerOf(collection, r)]));
      expect(held, `device-${i} ${collection} equals the backend`).toEqual(backend);
    }
  }
}
